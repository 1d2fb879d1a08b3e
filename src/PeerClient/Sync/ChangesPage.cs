namespace MyNoSql.Sync;

/// <summary>One page of index changes from a mirror (<see cref="ISyncTransport.GetChangesAsync"/>).</summary>
/// <param name="Checkpoint">The checkpoint after this page; null when nothing changed.</param>
/// <param name="Entries">The changed ids with their winning revisions.</param>
/// <param name="More">True when more pages follow.</param>
/// <param name="HorizonSeconds">The mirrors' tombstone horizon in seconds; null when the mirror does not tell.</param>
public sealed record ChangesPage(string? Checkpoint, IReadOnlyList<ChangeEntry> Entries, bool More, long? HorizonSeconds);
