using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Engine;

/// <summary>What the in-memory directory knows about a key without touching disk.</summary>
/// <param name="Key">The key.</param>
/// <param name="Revision">The revision of the current version (empty for non-record state).</param>
/// <param name="Flags">The current version's flags.</param>
/// <param name="Sequence">The shard lsn of the current version: it grows with every write of the key, survives
/// reopening and compaction, and does not change when only <see cref="RecordFlags.Pending"/> is cleared. A version
/// stamp for optimistic concurrency (the mirror's ETags).</param>
internal readonly record struct RecordHeader(string Key, Revision Revision, RecordFlags Flags, ulong Sequence = 0);
