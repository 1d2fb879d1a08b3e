namespace MyNoSql.Grains;

/// <summary>Result of <see cref="IQueryGrain.Find"/>.</summary>
/// <param name="Json">The answer, <c>{"docs","bookmark","index","warning"?}</c> as UTF-8 JSON; null when the query is bad.</param>
/// <param name="Error">What is wrong with the query (an HTTP 400 <c>bad_query</c>); null on success.</param>
[GenerateSerializer, Immutable, Alias("mynosql.QueryReply")]
public sealed record QueryReply(
    [property: Id(0)] byte[]? Json,
    [property: Id(1)] string? Error = null);
