using MyNoSql.Grains.Records;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Grains.Sync;

/// <summary>
/// The accept rule for a revision replicated from a peer or another mirror, shared by <c>RecordGrain.Accept</c> and
/// the simulation's mirrors: verify it (a JSON object body, or none for a tombstone; the revision is the hash of its
/// parent and content when the parent is known), merge it by <see cref="DocumentRules"/>, then make it durable on a
/// write quorum — also when it was already known here, since a push stored here without a quorum is retried by its
/// sender after <c>quorum_unavailable</c>, and "known" must mean durable on a quorum too.
/// </summary>
internal static class ReplicaAccept
{
    /// <param name="wire">The revision as it arrived.</param>
    /// <param name="merge">Merges a verified leaf into the stored record: the merge result and whether anything was written.</param>
    /// <param name="publish">Makes the leaf durable on a write quorum (its argument: whether <paramref name="merge"/> wrote);
    /// false when the quorum did not confirm it.</param>
    /// <param name="rejected">Told why a revision was invalid.</param>
    /// <param name="maxDocumentSize">The largest body accepted (the mirror's document size limit).</param>
    /// <param name="requireDerived">False for a revision another system made (CouchDB protocol): its hash is kept as given.</param>
    public static async Task<MergeStatus> AcceptAsync(ReplicatedRevision wire, Func<RevisionLeaf, Task<(MergeResult Result, bool Written)>> merge,
        Func<RevisionLeaf, bool, Task<bool>> publish, Action<string>? rejected = null, int maxDocumentSize = int.MaxValue, bool requireDerived = true)
    {
        ArgumentNullException.ThrowIfNull(wire);
        if (!LeafWire.TryFromWire(wire, verify: true, out var leaf, out var problem, maxDocumentSize, requireDerived))
        {
            rejected?.Invoke(problem);
            return MergeStatus.Invalid;
        }
        (MergeResult Result, bool Written) merged;
        try
        {
            merged = await merge(leaf);
        }
        catch (Storage.DatabaseDroppedException e)
        {
            // A revision pushed after its database was dropped, made before the drop: refused, as the drop wins.
            rejected?.Invoke(e.Message);
            return MergeStatus.Invalid;
        }
        var (result, written) = merged;
        if (!await publish(leaf, written)) return MergeStatus.QuorumUnavailable;
        return result switch
        {
            MergeResult.Accepted => MergeStatus.Accepted,
            MergeResult.Conflict => MergeStatus.Conflict,
            _ => MergeStatus.AlreadyKnown,
        };
    }

    /// <summary>
    /// Rebuilds a revision sent relative to a base (delta sync: <see cref="ReplicatedRevision.BaseRev"/>) against the
    /// stored record: the base's ancestry spliced on, the body from the delta, the revision checked against its parent and
    /// content. Null when rebuilt (<paramref name="whole"/>, to accept as usual); <see cref="MergeStatus.NeedWhole"/> when
    /// the base or its body is not held here; <see cref="MergeStatus.Invalid"/> when the delta or ancestry is bad.
    /// </summary>
    public static MergeStatus? TryRebuild(ReplicatedRevision wire, DocumentRecord? current, out ReplicatedRevision whole, out string problem)
    {
        ArgumentNullException.ThrowIfNull(wire);
        whole = wire;
        if (wire.BaseRev is null && !wire.BodyIsDelta)
        {
            problem = "";
            return null;
        }
        if (!LeafWire.TryToBatch(wire, out var relative, out problem)) return MergeStatus.Invalid;
        if (!DeltaLeaves.TryResolve(current, relative, out var leaf, out bool missingBase, out problem))
            return missingBase ? MergeStatus.NeedWhole : MergeStatus.Invalid;
        whole = LeafWire.ToWire(leaf);
        return null;
    }
}
