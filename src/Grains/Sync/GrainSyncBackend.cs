namespace MyNoSql.Grains.Sync;

/// <summary>The sync service's backend in a silo: index-segment and record grains, and a push's new records in one batch
/// (<paramref name="batch"/>, when given), fetches from this silo's store where that is what the grain would answer
/// (<paramref name="localFetch"/>, when given).</summary>
internal sealed class GrainSyncBackend(IGrainFactory grains, MirrorBatchAccept? batch = null, MirrorLocalFetch? localFetch = null) : ISyncBackend, ISyncBatchBackend
{
    public Task<MergeStatus?[]> AcceptBatchAsync(string database, IReadOnlyList<SyncRecord> records, CancellationToken cancellationToken) =>
        batch is null ? Task.FromResult(new MergeStatus?[records.Count]) : batch.AcceptAsync(database, records, cancellationToken);

    public ValueTask<SegmentChanges> ChangesSinceAsync(string database, int segment, long epoch, long sequence, int limit, CancellationToken cancellationToken) =>
        Segment(database, segment).ChangesSince(epoch, sequence, limit, cancellationToken);

    public ValueTask<SegmentDigest> GetDigestAsync(string database, int segment, CancellationToken cancellationToken) =>
        Segment(database, segment).GetDigest(cancellationToken);

    public ValueTask<MergeStatus> AcceptAsync(string database, string id, ReplicatedRevision leaf, CancellationToken cancellationToken) =>
        leaf.BaseRev is null && !leaf.BodyIsDelta ? Record(database, id).Accept(leaf, cancellationToken) : Record(database, id).AcceptRelative(leaf, cancellationToken);

    public async ValueTask<ReplicatedRevision[]> GetLeavesAsync(string database, string id, string? heldRev, CancellationToken cancellationToken)
    {
        if (localFetch is not null && await localFetch.TryGetLeavesAsync(database, id, heldRev, cancellationToken) is { } local) return local;
        return heldRev is null ? await Record(database, id).GetLeaves(cancellationToken) : await Record(database, id).GetLeavesSince(heldRev, cancellationToken);
    }

    private IIndexSegmentGrain Segment(string database, int segment) => grains.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(database, segment));

    private IRecordGrain Record(string database, string id) => grains.GetGrain<IRecordGrain>(RecordKey.For(database, id));
}
