using System.Text;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Simulation.Tests.Sim;

/// <summary>
/// Observes every store of the world and records, in the run's <see cref="History"/>, the revisions a merge policy
/// wrote (kind <see cref="EditKind.Resolve"/>: the resolution, a child of the winner, and the tombstones closing the
/// losers) — revisions no save produced, which the checker must still recognise. Only leaves whose revision is the
/// hash of their parent and content are taken (a resolution cannot pass off a made-up revision), and only while the
/// kind is still the in-memory one the writer set (records read back from disk or the wire may not carry it).
/// </summary>
internal sealed class ResolutionRecorder(SimWorld world, string node) : IReplicaObserver
{
    public void OnWritten(in ReplicaWrite write)
    {
        if (write.Record is not { } record) return;
        foreach (var leaf in record.Leaves)
        {
            if (leaf.Kind != EditKind.Resolve || leaf.Ancestry.Length == 0 || world.History.TryGet(leaf.Rev, out _)) continue;
            if (!DocumentRules.DerivesFromParent(leaf)) continue;
            if (leaf.Deleted && leaf.Rev != DocumentRules.TombstoneOf(leaf.Parent)) continue;
            world.History.AddResolution(new Written(record.Id, leaf.Rev, leaf.Parent, leaf.Deleted, Encoding.UTF8.GetString(leaf.Body.Span), $"resolver on {node}", -1));
        }
    }
}
