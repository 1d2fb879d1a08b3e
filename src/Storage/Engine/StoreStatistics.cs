namespace MyNoSql.Storage.Engine;

/// <summary>A snapshot of a store's counters (for diagnostics, benchmarks and tests).</summary>
internal sealed record StoreStatistics(
    long Keys,
    long Pending,
    int Segments,
    long SegmentBytes,
    long LogBytes,
    long Syncs,
    long Commits,
    long Seals,
    long SegmentRewrites,
    long CacheHits,
    long CacheMisses,
    long CacheBytes,
    Exception? LastCompactionError);
