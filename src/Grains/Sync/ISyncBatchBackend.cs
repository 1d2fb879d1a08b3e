namespace MyNoSql.Grains.Sync;

/// <summary>
/// A <see cref="ISyncBackend"/> that can accept part of a push in one batch (<see cref="MirrorBatchAccept"/> in a silo);
/// the <see cref="SyncService"/> asks it first and sends what it left through <see cref="ISyncBackend.AcceptAsync"/>.
/// </summary>
internal interface ISyncBatchBackend
{
    /// <summary>One entry per record: its single leaf's status, or null when left to <see cref="ISyncBackend.AcceptAsync"/>.</summary>
    Task<MergeStatus?[]> AcceptBatchAsync(string database, IReadOnlyList<SyncRecord> records, CancellationToken cancellationToken);
}
