using MyNoSql.Storage.Sync;

namespace MyNoSql.Grains.Sync;

/// <summary>
/// A page of index changes: the checkpoint after it, the entries (prefix-filtered), whether more follow, whether
/// nothing changed at all since the caller's checkpoint (HTTP then answers a null checkpoint), and the tombstone horizon.
/// </summary>
internal sealed record SyncChangesPage(SyncCheckpoint Next, IndexEntryInfo[] Entries, bool More, bool Unchanged, long HorizonSeconds);
