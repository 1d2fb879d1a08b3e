namespace MyNoSql.Storage.Documents;

/// <summary>
/// One past revision a replica kept in a record's history (newest first in <see cref="DocumentRecord.History"/>): a
/// revision that a save, a delete or an accepted descendant replaced here.
/// </summary>
/// <param name="Rev">The revision.</param>
/// <param name="Deleted">True for a tombstone.</param>
/// <param name="Stamp">Its <see cref="HybridClock"/> stamp (0 when unknown).</param>
/// <param name="Kind">What made it.</param>
/// <param name="Body">Its content (UTF-8 JSON without id/rev; empty for a tombstone); null when the body is no longer
/// kept (fell out of the history depth) but the revision is still listed.</param>
/// <param name="Acked">True when a mirror is known to hold this revision (it was not a pending local edit when it was
/// replaced): delta sync sends changes against such a revision.</param>
internal sealed record HistoryEntry(Revision Rev, bool Deleted, long Stamp, EditKind Kind, ReadOnlyMemory<byte>? Body, bool Acked);
