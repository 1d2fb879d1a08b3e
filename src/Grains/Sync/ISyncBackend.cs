namespace MyNoSql.Grains.Sync;

/// <summary>
/// What the <see cref="SyncService"/> reads and writes: index-segment access and record access of one mirror.
/// Production: <see cref="GrainSyncBackend"/> (grain calls); the deterministic simulation implements it over its
/// simulated mirrors' stores, so both run the same sync code.
/// </summary>
internal interface ISyncBackend
{
    /// <summary>Entries of a segment changed after <paramref name="sequence"/> of <paramref name="epoch"/> (another epoch: from 0).</summary>
    ValueTask<SegmentChanges> ChangesSinceAsync(string database, int segment, long epoch, long sequence, int limit, CancellationToken cancellationToken);

    /// <summary>A segment's digest, epoch and sequence.</summary>
    ValueTask<SegmentDigest> GetDigestAsync(string database, int segment, CancellationToken cancellationToken);

    /// <summary>Applies one replicated leaf through the record's accept rule (<see cref="ReplicaAccept"/>); a leaf relative to a
    /// base (delta sync) is rebuilt against the record first (<see cref="ReplicaAccept.TryRebuild"/>: need_whole without it).</summary>
    ValueTask<MergeStatus> AcceptAsync(string database, string id, ReplicatedRevision leaf, CancellationToken cancellationToken);

    /// <summary>Every leaf of a record (winner first); empty when unknown. With <paramref name="heldRev"/> (the receiver's
    /// revision) leaves that are or descend from it come relative to it, bodies as deltas when its body is kept here.</summary>
    ValueTask<ReplicatedRevision[]> GetLeavesAsync(string database, string id, string? heldRev, CancellationToken cancellationToken);
}
