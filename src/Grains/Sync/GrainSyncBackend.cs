namespace MyNoSql.Grains.Sync;

/// <summary>The sync service's backend in a silo: index-segment and record grains.</summary>
internal sealed class GrainSyncBackend(IGrainFactory grains) : ISyncBackend
{
    public ValueTask<SegmentChanges> ChangesSinceAsync(string database, int segment, long epoch, long sequence, int limit, CancellationToken cancellationToken) =>
        Segment(database, segment).ChangesSince(epoch, sequence, limit, cancellationToken);

    public ValueTask<SegmentDigest> GetDigestAsync(string database, int segment, CancellationToken cancellationToken) =>
        Segment(database, segment).GetDigest(cancellationToken);

    public ValueTask<MergeStatus> AcceptAsync(string database, string id, ReplicatedRevision leaf, CancellationToken cancellationToken) =>
        leaf.BaseRev is null && !leaf.BodyIsDelta ? Record(database, id).Accept(leaf, cancellationToken) : Record(database, id).AcceptRelative(leaf, cancellationToken);

    public ValueTask<ReplicatedRevision[]> GetLeavesAsync(string database, string id, string? heldRev, CancellationToken cancellationToken) =>
        heldRev is null ? Record(database, id).GetLeaves(cancellationToken) : Record(database, id).GetLeavesSince(heldRev, cancellationToken);

    private IIndexSegmentGrain Segment(string database, int segment) => grains.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(database, segment));

    private IRecordGrain Record(string database, string id) => grains.GetGrain<IRecordGrain>(RecordKey.For(database, id));
}
