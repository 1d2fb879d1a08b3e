using MyNoSql.Grains;
using MyNoSql.Grains.Records;
using MyNoSql.Grains.Sync;
using MyNoSql.Storage.Documents;

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

    public async ValueTask<MergeStatus> AcceptAsync(string database, string id, ReplicatedRevision leaf, CancellationToken cancellationToken) =>
        await ReplicaAccept.AcceptAsync(leaf,
            async verified =>
            {
                var result = await mirror.ApplyAsync(id, verified);
                return (result, result != MergeResult.AlreadyKnown);
            },
            (verified, _) => replicate(id, verified));

    public async ValueTask<ReplicatedRevision[]> GetLeavesAsync(string database, string id, CancellationToken cancellationToken) =>
        LeafWire.ToWire(await mirror.ReadRecordAsync(id));
}
