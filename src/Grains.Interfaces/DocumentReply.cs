namespace MyNoSql.Grains;

/// <summary>One revision of a record as the user sees it.</summary>
/// <param name="Id">The record id.</param>
/// <param name="Rev">The revision, <c>"&lt;generation&gt;-&lt;32 hex&gt;"</c>.</param>
/// <param name="Json">UTF-8 JSON of the whole record: <c>{"id":…,"rev":…, …content}</c>.</param>
[GenerateSerializer, Immutable, Alias("mynosql.DocumentReply")]
public sealed record DocumentReply([property: Id(0)] string Id, [property: Id(1)] string Rev, [property: Id(2)] byte[] Json);
