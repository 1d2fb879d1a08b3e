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
    Task<DocumentReply?> Read();

    /// <summary>savedoc with the caller's <c>rev</c> text (null when missing) and the content without id/rev.</summary>
    [Alias("Save")]
    Task<SaveReply> Save(string? rev, byte[] body);

    /// <summary>Writes a tombstone for <paramref name="rev"/> (the current revision, or a conflict to resolve it).</summary>
    [Alias("Delete")]
    Task<DeleteReply> Delete(string? rev);

    /// <summary>The winning revision with its ancestry; null when the record was never stored.</summary>
    [Alias("GetRevision"), ReadOnly]
    Task<RevisionInfo?> GetRevision();

    /// <summary>Applies a revision replicated from a peer or another mirror (it carries its ancestry).</summary>
    [Alias("Accept")]
    Task<MergeStatus> Accept(ReplicatedRevision revision);

    /// <summary>The live losing revisions (conflicts), each with its own <c>rev</c>.</summary>
    [Alias("GetConflicts"), ReadOnly]
    Task<DocumentReply[]> GetConflicts();

    /// <summary>Every leaf revision (winner first), as replication carries them.</summary>
    [Alias("GetLeaves"), ReadOnly]
    Task<ReplicatedRevision[]> GetLeaves();
}
