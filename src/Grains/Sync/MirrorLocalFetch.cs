using MyNoSql.Grains.Mirror;
using MyNoSql.Grains.Records;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Grains.Sync;

/// <summary>
/// A fetch read from this silo's store without activating the record grain, when that is exactly what the grain would
/// answer: this silo is the only active mirror (no other copy to read-repair from, R + W > N holds with this copy alone;
/// an active grain writes the store before it replies), grain state lives in this store, and the record holds no
/// conflict (a grain resolves one by the merge policy when it activates). A pushed batch leaves its records' grains
/// inactive; without this the first pull would activate every one of them. Null: ask the grain.
/// </summary>
internal sealed class MirrorLocalFetch(MirrorBatchAccept batch, Replicator replicator)
{
    public async ValueTask<ReplicatedRevision[]?> TryGetLeavesAsync(string database, string id, string? heldRev, CancellationToken cancellationToken)
    {
        if (batch.Store is not { } pending || (replicator.Enabled && replicator.OtherActiveSilos().Length > 0)) return null;
        var store = await pending;
        var record = await store.ReadRecordAsync(database, id, cancellationToken);
        if (record is null || record.HasConflicts) return null;
        if (!Revision.TryParse(heldRev, out var held)) return LeafWire.ToWire(record);
        return LeafWire.ToWire(DeltaLeaves.Against(record, held));
    }
}
