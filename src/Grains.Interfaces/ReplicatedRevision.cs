namespace MyNoSql.Grains;

/// <summary>
/// One leaf revision as replication carries it: the revision, whether it is a tombstone, its recent ancestry
/// (newest first, without itself) and the content (UTF-8 JSON object without <c>id</c>/<c>rev</c>; empty for a tombstone).
/// </summary>
[GenerateSerializer, Immutable, Alias("mynosql.ReplicatedRevision")]
public sealed record ReplicatedRevision(
    [property: Id(0)] string Rev,
    [property: Id(1)] bool Deleted,
    [property: Id(2)] string[] Ancestry,
    [property: Id(3)] byte[] Body);
