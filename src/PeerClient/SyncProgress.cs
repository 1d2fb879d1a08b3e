namespace MyNoSql;

/// <summary>
/// Progress of a sync round as counts (reported through <see cref="MyNoSqlOptions.SyncProgress"/> after every push
/// batch and every pulled page): what is known for certain, never a percentage of an unknown total.
/// </summary>
/// <param name="WritesToPush">Local writes still in the outbox (they leave it as mirrors acknowledge each batch).</param>
/// <param name="ChangesPulled">Index changes pulled so far in this round.</param>
/// <param name="RecordsFetched">Records downloaded so far in this round.</param>
/// <param name="MoreToPull">True while the mirror said more index changes follow.</param>
public sealed record SyncProgress(long WritesToPush, long ChangesPulled, long RecordsFetched, bool MoreToPull);
