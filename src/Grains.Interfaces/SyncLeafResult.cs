namespace MyNoSql.Grains;

/// <summary>
/// The outcome of one pushed leaf: its record id, its revision and the status by its wire name (accepted, known,
/// conflict, invalid, quorum_unavailable, need_whole: <c>MyNoSql.Storage.Sync.PushStatusNames</c>), exactly as the HTTP push answers it.
/// </summary>
[GenerateSerializer, Immutable, Alias("mynosql.SyncLeafResult")]
public sealed record SyncLeafResult([property: Id(0)] string Id, [property: Id(1)] string Rev, [property: Id(2)] string Status);
