using MyNoSql.Grains;
using MyNoSql.Grains.Records;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// Saves and deletes that are safe to retry after an attempt whose answer was lost (<see cref="ClusterCall"/>).
/// Revisions are deterministic (the parent, the deleted flag and the content), so <see cref="DocumentRules"/> can
/// tell whether a leaf is what an attempt would have written: when a retry conflicts and the record holds exactly
/// that revision as a leaf, the earlier attempt was applied, and the answer is its success, after making sure a
/// write quorum holds it (an <c>Accept</c> of a known leaf replicates it again), never a 409 for the client's own write.
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
            var applied = leaves.FirstOrDefault(l => LeafWire.TryFromWire(l, verify: false, out var leaf, out _) && DocumentRules.IsSaveOf(leaf, rev, body));
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
            if (!retried || reply.Status is not (RecordStatus.Conflict or RecordStatus.NotFound)) return reply;
            var applied = (await grain.GetLeaves(ct)).FirstOrDefault(l => LeafWire.TryFromWire(l, verify: false, out var leaf, out _) && DocumentRules.IsDeleteOf(leaf, rev));
            if (applied is null) return reply;
            return await grain.Accept(applied, ct) == MergeStatus.QuorumUnavailable
                ? new DeleteReply(RecordStatus.QuorumUnavailable, null, null)
                : new DeleteReply(RecordStatus.Ok, applied.Rev, null);
        });
}
