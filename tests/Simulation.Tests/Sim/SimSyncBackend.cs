using MyNoSql.Grains;
using MyNoSql.Grains.Records;
using MyNoSql.Grains.Sync;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Simulation.Tests.Sim;

/// <summary>
/// The production sync service's backend over a simulated mirror: its index segments (as IndexSegmentGrain serves
/// them) and its store, with the record grain's accept rule (<see cref="ReplicaAccept"/>) replicating through the
/// simulated network. Everything completes in order, one call at a time.
/// </summary>
internal sealed class SimSyncBackend(SimMirror mirror, Func<string, RevisionLeaf, Task<bool>> replicate) : ISyncBackend
{
    public ValueTask<SegmentChanges> ChangesSinceAsync(string database, int segment, long epoch, long sequence, int limit, CancellationToken cancellationToken) =>
        ValueTask.FromResult(mirror.ChangesSince(segment, epoch, sequence, limit));

    public ValueTask<SegmentDigest> GetDigestAsync(string database, int segment, CancellationToken cancellationToken) =>
        ValueTask.FromResult(mirror.Digest(segment));

    public async ValueTask<MergeStatus> AcceptAsync(string database, string id, ReplicatedRevision leaf, CancellationToken cancellationToken)
    {
        // Delta sync: a leaf relative to a base is rebuilt against this mirror's record first, as RecordGrain.AcceptRelative does.
        if (ReplicaAccept.TryRebuild(leaf, await mirror.ReadRecordAsync(id), out var whole, out _) is { } failed) return failed;
        return await ReplicaAccept.AcceptAsync(whole,
            async verified =>
            {
                var result = await mirror.ApplyAsync(id, verified);
                return (result, result != MergeResult.AlreadyKnown);
            },
            (verified, _) => replicate(id, verified));
    }

    public async ValueTask<ReplicatedRevision[]> GetLeavesAsync(string database, string id, string? heldRev, CancellationToken cancellationToken)
    {
        var record = await mirror.ReadRecordAsync(id);
        if (record is null || !Revision.TryParse(heldRev, out var held)) return LeafWire.ToWire(record);
        return LeafWire.ToWire(DeltaLeaves.Against(record, held));
    }
}
