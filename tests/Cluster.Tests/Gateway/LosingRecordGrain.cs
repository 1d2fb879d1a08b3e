using MyNoSql.Grains;

namespace MyNoSql.Cluster.Tests.Gateway;

/// <summary>
/// Deterministic fault injection for the gateway's retries: a real record grain whose first write (save or delete)
/// fails as if the silo hosting it had died, either before the grain ran it or after (the answer lost). Every other
/// call goes straight to the grain.
/// </summary>
internal sealed class LosingRecordGrain(IRecordGrain inner, bool applyBeforeFailing) : IRecordGrain
{
    private int _writes;

    public int Writes => _writes;

    public ValueTask<ReplicatedRevision[]> GetLeavesSince(string? heldRev, CancellationToken cancellationToken = default) => inner.GetLeavesSince(heldRev, cancellationToken);

    public ValueTask<MergeStatus> AcceptRelative(ReplicatedRevision revision, CancellationToken cancellationToken = default) => inner.AcceptRelative(revision, cancellationToken);

    public ValueTask<DocumentReply?> Read(CancellationToken cancellationToken = default) => inner.Read(cancellationToken);

    public async ValueTask<SaveReply> Save(string? rev, byte[] body, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _writes) > 1) return await inner.Save(rev, body, cancellationToken);
        if (applyBeforeFailing) await inner.Save(rev, body, cancellationToken);
        throw Lost();
    }

    public async ValueTask<DeleteReply> Delete(string? rev, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _writes) > 1) return await inner.Delete(rev, cancellationToken);
        if (applyBeforeFailing) await inner.Delete(rev, cancellationToken);
        throw Lost();
    }

    public ValueTask<WinnerRevision?> GetRevision(CancellationToken cancellationToken = default) => inner.GetRevision(cancellationToken);

    public ValueTask<MergeStatus> Accept(ReplicatedRevision revision, CancellationToken cancellationToken = default) => inner.Accept(revision, cancellationToken);

    public ValueTask<DocumentReply[]> GetConflicts(CancellationToken cancellationToken = default) => inner.GetConflicts(cancellationToken);

    public ValueTask<ReplicatedRevision[]> GetLeaves(CancellationToken cancellationToken = default) => inner.GetLeaves(cancellationToken);

    public ValueTask<HistoryReply?> GetHistory(CancellationToken cancellationToken = default) => inner.GetHistory(cancellationToken);

    public ValueTask<DocumentReply?> ReadRevision(string rev, CancellationToken cancellationToken = default) => inner.ReadRevision(rev, cancellationToken);

    public ValueTask<SaveReply> Undo(CancellationToken cancellationToken = default) => inner.Undo(cancellationToken);

    public ValueTask<SaveReply> Redo(CancellationToken cancellationToken = default) => inner.Redo(cancellationToken);

    public ValueTask<SaveReply> Patch(string? rev, byte[] patch, bool jsonPatch, CancellationToken cancellationToken = default) =>
        inner.Patch(rev, patch, jsonPatch, cancellationToken);

    public ValueTask<SaveReply> Resolve(string? rev, byte[] body, CancellationToken cancellationToken = default) => inner.Resolve(rev, body, cancellationToken);

    public ValueTask<SaveReply> SetAttachment(string? rev, string name, AttachmentStubInfo? stub, CancellationToken cancellationToken = default) =>
        inner.SetAttachment(rev, name, stub, cancellationToken);

    public ValueTask<SaveReply> SaveFenced(string? rev, byte[] body, string lockName, long token, CancellationToken cancellationToken = default) =>
        inner.SaveFenced(rev, body, lockName, token, cancellationToken);

    public ValueTask<SaveReply> SetAttachmentFenced(string? rev, string name, AttachmentStubInfo? stub, string lockName, long token, CancellationToken cancellationToken = default) =>
        inner.SetAttachmentFenced(rev, name, stub, lockName, token, cancellationToken);

    private static SiloUnavailableException Lost() => new("The target silo became unavailable (injected by the test).");
}
