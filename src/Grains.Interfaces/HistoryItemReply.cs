namespace MyNoSql.Grains;

/// <summary>One revision in a record's history.</summary>
/// <param name="Rev">The revision.</param>
/// <param name="Deleted">True for a tombstone.</param>
/// <param name="Stamp">The hybrid-clock stamp of the replica that made it (high 48 bits: Unix milliseconds); 0 when unknown.</param>
/// <param name="HasBody">True when the mirror keeps its content (readable with <c>?rev=</c>).</param>
[GenerateSerializer, Immutable, Alias("mynosql.HistoryItemReply")]
public sealed record HistoryItemReply([property: Id(0)] string Rev, [property: Id(1)] bool Deleted, [property: Id(2)] long Stamp, [property: Id(3)] bool HasBody);
