using MyNoSql.Grains;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// Saves and deletes that are safe to retry after an attempt whose answer was lost (<see cref="ClusterCall"/>).
/// Revisions are deterministic (the parent, the deleted flag and the content), so the revision an attempt would
/// have written is known: when a retry conflicts and the record holds exactly that revision as a leaf, the earlier
/// attempt was applied, and the answer is its success, after making sure a write quorum holds it (an
/// <c>Accept</c> of a known leaf replicates it again), never a 409 for the client's own write.
/// </summary>
internal static class RetriedWrites
{
    public static Task<SaveReply> SaveAsync(HttpContext context, IRecordGrain grain, string? rev, byte[] body) =>
        ClusterCall.RetryAsync(context, async retried =>
        {
            var ct = context.RequestAborted;
            var reply = await grain.Save(rev, body, ct);
            if (!retried || reply.Status != RecordStatus.Conflict) return reply;
            var leaves = await grain.GetLeaves(ct);
            var applied = leaves.FirstOrDefault(l => !l.Deleted && IsSaveOf(l, rev, body));
            if (applied is null) return reply;
            if (await grain.Accept(applied, ct) == MergeStatus.QuorumUnavailable) return new SaveReply(RecordStatus.QuorumUnavailable, null, null);
            var document = ReferenceEquals(applied, leaves[0])
                ? await grain.Read(ct)
                : (await grain.GetConflicts(ct)).FirstOrDefault(d => d.Rev == applied.Rev);
            return document is null ? reply : new SaveReply(RecordStatus.Ok, document, null);
        });

    public static Task<DeleteReply> DeleteAsync(HttpContext context, IRecordGrain grain, string? rev) =>
        ClusterCall.RetryAsync(context, async retried =>
        {
            var ct = context.RequestAborted;
            var reply = await grain.Delete(rev, ct);
            if (!retried || reply.Status is not (RecordStatus.Conflict or RecordStatus.NotFound) || !Revision.TryParse(rev, out var given))
                return reply;
            string tombstone = Revision.Next(given, deleted: true, []).ToString();
            var applied = (await grain.GetLeaves(ct)).FirstOrDefault(l => l.Deleted && l.Rev == tombstone);
            if (applied is null) return reply;
            return await grain.Accept(applied, ct) == MergeStatus.QuorumUnavailable
                ? new DeleteReply(RecordStatus.QuorumUnavailable, null, null)
                : new DeleteReply(RecordStatus.Ok, tombstone, null);
        });

    /// <summary>
    /// Whether <paramref name="leaf"/> is what saving <paramref name="body"/> over <paramref name="rev"/> writes: its
    /// content is the body and its parent the given rev (any parent when no rev was given: a creation or a
    /// re-creation over a tombstone).
    /// </summary>
    private static bool IsSaveOf(ReplicatedRevision leaf, string? rev, byte[] body)
    {
        string? parentText = leaf.Ancestry.Length > 0 ? leaf.Ancestry[0] : null;
        Revision parent = default;
        if (parentText is not null && !Revision.TryParse(parentText, out parent)) return false;
        if (rev is not null && parentText is not null && !string.Equals(rev, parentText, StringComparison.Ordinal)) return false;
        return string.Equals(Revision.Next(parent, deleted: false, body).ToString(), leaf.Rev, StringComparison.Ordinal);
    }
}
