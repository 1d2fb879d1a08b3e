using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Index;

/// <summary>
/// One id's current winning revision in an index segment, the segment sequence of its last change and, when the
/// record keeps live conflict revisions, their <see cref="DocumentRecord.ConflictsTag"/> (so a peer whose winner
/// is current still learns a new losing branch).
/// </summary>
internal readonly record struct IndexEntry(string Id, Revision Rev, bool Deleted, long Sequence, string? Conflicts = null);
