namespace MyNoSql.Sync;

/// <summary>One index change: the winner of an id and the fingerprint of its live conflicts.</summary>
/// <param name="Id">The record's id.</param>
/// <param name="Rev">The winning revision.</param>
/// <param name="Deleted">True when the winner is a tombstone.</param>
/// <param name="Conflicts">A fingerprint of the live losing revisions; null when there are none.</param>
public readonly record struct ChangeEntry(string Id, string Rev, bool Deleted, string? Conflicts);
