namespace MyNoSql;

/// <summary>
/// Progress of a sync round as counts (reported through <see cref="MyNoSqlOptions.SyncProgress"/> after every push
/// batch and every pulled page): what is known for certain, never a percentage of an unknown total.
/// </summary>
/// <param name="WritesToPush">Local writes still in the outbox (they leave it as mirrors acknowledge each batch).</param>
/// <param name="ChangesPulled">Index changes pulled so far in this round.</param>
/// <param name="RecordsFetched">Records downloaded so far in this round.</param>
/// <param name="MoreToPull">True while the mirror said more index changes follow.</param>
public sealed record SyncProgress(long WritesToPush, long ChangesPulled, long RecordsFetched, bool MoreToPull)
{
    /// <summary>Attachment body bytes uploaded so far in this round (only chunks the mirror lacked; reported after every chunk).</summary>
    public long AttachmentBytesSent { get; init; }

    /// <summary>Attachment body bytes downloaded so far in this round, by its pulls (Mirror mode) and by opens that fetch a
    /// body (Peer mode) meanwhile; reported after every chunk.</summary>
    public long AttachmentBytesFetched { get; init; }
}
