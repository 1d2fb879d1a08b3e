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
}
