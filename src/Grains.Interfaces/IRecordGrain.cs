using Orleans.Concurrency;

namespace MyNoSql.Grains;

/// <summary>
/// One record, keyed <c>"{db}/{id}"</c> (see <see cref="RecordKey"/>). Applies the savedoc/delete/merge rules,
/// persists to its mirror's store and replicates every new revision to a write quorum of mirrors.
/// </summary>
[Alias("mynosql.IRecordGrain")]
public interface IRecordGrain : IGrainWithStringKey
{
    /// <summary>The winning revision; null when absent or deleted.</summary>
    [Alias("Read"), ReadOnly]
    ValueTask<DocumentReply?> Read(CancellationToken cancellationToken = default);

    /// <summary>savedoc with the caller's <c>rev</c> text (null when missing) and the content without id/rev.</summary>
    [Alias("Save")]
    ValueTask<SaveReply> Save(string? rev, byte[] body, CancellationToken cancellationToken = default);

    /// <summary>Writes a tombstone for <paramref name="rev"/> (the current revision, or a conflict to resolve it).</summary>
    [Alias("Delete")]
    ValueTask<DeleteReply> Delete(string? rev, CancellationToken cancellationToken = default);

    /// <summary>The winning revision with its ancestry; null when the record was never stored.</summary>
    [Alias("GetRevision"), ReadOnly]
    ValueTask<WinnerRevision?> GetRevision(CancellationToken cancellationToken = default);

    /// <summary>Applies a revision replicated from a peer or another mirror (it carries its ancestry).</summary>
    [Alias("Accept")]
    ValueTask<MergeStatus> Accept(ReplicatedRevision revision, CancellationToken cancellationToken = default);

    /// <summary>The live losing revisions (conflicts), each with its own <c>rev</c>.</summary>
    [Alias("GetConflicts"), ReadOnly]
    ValueTask<DocumentReply[]> GetConflicts(CancellationToken cancellationToken = default);

    /// <summary>Every leaf revision (winner first), as replication carries them.</summary>
    [Alias("GetLeaves"), ReadOnly]
    ValueTask<ReplicatedRevision[]> GetLeaves(CancellationToken cancellationToken = default);

    /// <summary>Every leaf revision (winner first), each relative to <paramref name="heldRev"/> when it is that revision or
    /// descends from it (ancestry down to it, body as a delta against its body when this mirror keeps that body); whole
    /// otherwise, or when <paramref name="heldRev"/> is null (delta sync).</summary>
    [Alias("GetLeavesSince"), ReadOnly]
    ValueTask<ReplicatedRevision[]> GetLeavesSince(string? heldRev, CancellationToken cancellationToken = default);

    /// <summary>Applies a replicated revision that may be relative to a base (<see cref="ReplicatedRevision.BaseRev"/>):
    /// rebuilt from this record's base, then as <see cref="Accept"/>; <see cref="MergeStatus.NeedWhole"/> when the base
    /// (or its body) is not held here.</summary>
    [Alias("AcceptRelative")]
    ValueTask<MergeStatus> AcceptRelative(ReplicatedRevision revision, CancellationToken cancellationToken = default);

    /// <summary>The record's history on the mirror that holds its activation (DESIGN §8): the current revision, then its
    /// ancestors newest first; null when the record was never stored.</summary>
    [Alias("GetHistory"), ReadOnly]
    ValueTask<HistoryReply?> GetHistory(CancellationToken cancellationToken = default);

    /// <summary>A kept revision (the current one, a live conflict or a past one whose body is still kept) as the user's
    /// record with that <c>rev</c>; null when it is not kept, unknown, or a tombstone.</summary>
    [Alias("ReadRevision"), ReadOnly]
    ValueTask<DocumentReply?> ReadRevision(string rev, CancellationToken cancellationToken = default);

    /// <summary>Undo: a new revision whose content is the previous revision's (<see cref="RecordStatus.NothingToUndo"/>
    /// when none is kept; <see cref="RecordStatus.NotFound"/> for an unknown record).</summary>
    [Alias("Undo")]
    ValueTask<SaveReply> Undo(CancellationToken cancellationToken = default);

    /// <summary>Redo: re-applies what the last undo took back (<see cref="RecordStatus.NothingToRedo"/> when nothing).</summary>
    [Alias("Redo")]
    ValueTask<SaveReply> Redo(CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies a patch to the current revision <paramref name="rev"/> and saves the result: <paramref name="patch"/> is
    /// UTF-8 JSON, an RFC 6902 JSON Patch (an array) when <paramref name="jsonPatch"/>, else an RFC 7396 merge patch.
    /// <see cref="RecordStatus.Invalid"/> (with the reason) for a malformed patch or one that cannot apply,
    /// <see cref="RecordStatus.TestFailed"/> when a <c>test</c> fails, <see cref="RecordStatus.Conflict"/> for a stale rev.
    /// </summary>
    [Alias("Patch")]
    ValueTask<SaveReply> Patch(string? rev, byte[] patch, bool jsonPatch, CancellationToken cancellationToken = default);

    /// <summary>
    /// The application's merge of a conflict: <paramref name="body"/> (content without id/rev) becomes a child of the
    /// winner, whose revision <paramref name="rev"/> must be, and every losing live leaf is closed by a tombstone.
    /// </summary>
    [Alias("Resolve")]
    ValueTask<SaveReply> Resolve(string? rev, byte[] body, CancellationToken cancellationToken = default);
    /// <summary>
    /// The attachment API's privileged write (DESIGN §9): a new revision, child of the current revision
    /// <paramref name="rev"/>, whose <c>_attachments</c> has <paramref name="name"/> set to <paramref name="stub"/> (its body
    /// already on a write quorum of silos), or removed when <paramref name="stub"/> is null. Without a rev, a missing or
    /// deleted record is created with only that attachment. <see cref="RecordStatus.NotFound"/> when the record (or, for a
    /// removal, the attachment) does not exist, <see cref="RecordStatus.Conflict"/> for a stale rev,
    /// <see cref="RecordStatus.Invalid"/> for a bad name or stub.
    /// </summary>
    [Alias("SetAttachment")]
    ValueTask<SaveReply> SetAttachment(string? rev, string name, AttachmentStubInfo? stub, CancellationToken cancellationToken = default);

    /// <summary>
    /// A save fenced by a lock (DESIGN §9): within this record's turn, refuses (<see cref="RecordStatus.Fenced"/>) when
    /// <paramref name="token"/> is lower than a token of the lock <paramref name="lockName"/> (same database) this record
    /// already accepted, or no longer holds that lock; otherwise saves as <see cref="Save"/>.
    /// </summary>
    [Alias("SaveFenced")]
    ValueTask<SaveReply> SaveFenced(string? rev, byte[] body, string lockName, long token, CancellationToken cancellationToken = default);

    /// <summary>
    /// An attachment write fenced by a lock: refused (<see cref="RecordStatus.Fenced"/>) as <see cref="SaveFenced"/> refuses
    /// a save; otherwise as <see cref="SetAttachment"/>.
    /// </summary>
    [Alias("SetAttachmentFenced")]
    ValueTask<SaveReply> SetAttachmentFenced(string? rev, string name, AttachmentStubInfo? stub, string lockName, long token, CancellationToken cancellationToken = default);
}
