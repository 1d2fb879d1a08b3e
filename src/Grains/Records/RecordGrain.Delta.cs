using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Grains.Records;

// Delta sync (DESIGN §8): leaves relative to a revision the receiver holds, and revisions received that way.
internal sealed partial class RecordGrain
{
    public ValueTask<ReplicatedRevision[]> GetLeavesSince(string? heldRev, CancellationToken cancellationToken = default)
    {
        if (_record is null) return ValueTask.FromResult<ReplicatedRevision[]>([]);
        if (!Revision.TryParse(heldRev, out var held)) return ValueTask.FromResult(LeafWire.ToWire(_record));
        return ValueTask.FromResult(LeafWire.ToWire(DeltaLeaves.Against(_record, held)));
    }

    public async ValueTask<MergeStatus> AcceptRelative(ReplicatedRevision revision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(revision);
        cancellationToken.ThrowIfCancellationRequested();
        // Rebuilt against what this grain holds now; the grain is not reentrant, so nothing writes in between.
        if (Sync.ReplicaAccept.TryRebuild(revision, _record, out var whole, out var problem) is { } failed)
        {
            if (failed == MergeStatus.Invalid) LogRejected(_database, _id, problem);
            return failed;
        }
        return await Accept(whole, cancellationToken);
    }
}
