namespace MyNoSql.Storage.Engine;

/// <summary>Tuning of one <see cref="RecordStore"/>. Defaults are the measured choices (see README, "Storage tuning").</summary>
internal sealed class StoreOptions
{
    /// <summary>Number of shards; fixed when the store is created (recorded in the manifest and reused later).</summary>
    public int ShardCount { get; init; } = 4;

    public DurabilityMode Durability { get; init; } = DurabilityMode.Durable;

    /// <summary>How often the Relaxed mode syncs the logs.</summary>
    public TimeSpan RelaxedFlushInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Upper bound of decompressed blocks kept in RAM, in bytes, across all shards.</summary>
    public long BlockCacheBytes { get; init; } = 16L << 20;

    /// <summary>Target uncompressed size of one block in a segment file (a cold read decodes one whole block).
    /// Recorded implicitly per block, so files written with another size still read.</summary>
    public int BlockSize { get; init; } = 32 << 10;

    /// <summary>Codec of newly written segments (existing files keep theirs). LZMA by default: the product stores
    /// all data LZMA-compressed. Brotli is opt-in: it decodes ~10× faster (README, "Segments").</summary>
    public BlockCodec BlockCodec { get; init; } = BlockCodec.Lzma;

    /// <summary>Brotli quality for segment blocks. 9 (default) compresses 3–5× faster than LZMA did and 4–10× faster
    /// than 10, for 2–25 % more bytes than either; 10 matches LZMA's ratio (README, "Segments").</summary>
    public int BrotliQuality { get; init; } = 9;

    /// <summary>LZMA dictionary size; a dictionary as large as the block gives the full ratio.</summary>
    public int LzmaDictionarySize { get; init; } = 64 << 10;

    /// <summary>LZMA numFastBytes: 32 compresses best, 8–16 compress ~2–3× faster.</summary>
    public int LzmaFastBytes { get; init; } = 32;

    /// <summary>A shard's log is sealed into a segment once it holds this many bytes.</summary>
    public long LogSealThresholdBytes { get; init; } = 64L << 20;

    /// <summary>When false, sealing only happens through <see cref="RecordStore.CompactAsync"/> and on dispose (tests).</summary>
    public bool BackgroundCompaction { get; init; } = true;

    /// <summary>Seal the whole log on dispose so a closed store holds only compressed segments. Off by default: after a
    /// bulk load that took seconds to minutes of LZMA/Brotli work at close; the logs are durable and listed in the
    /// manifest, so the next open seals them in the background instead (see <see cref="SealAfterOpenBytes"/>).</summary>
    public bool SealOnClose { get; init; }

    /// <summary>At open, a shard whose logs left by the previous run hold at least this many bytes has them sealed by
    /// the background compactor (smaller logs keep growing until <see cref="LogSealThresholdBytes"/>).</summary>
    public long SealAfterOpenBytes { get; init; } = 1L << 20;

    /// <summary>
    /// One committer thread per shard (default): lowest latency for a lone durable saver. Turn off where many stores
    /// share a process (e.g. a mirror with many databases) to commit on the thread pool instead of N threads per store.
    /// </summary>
    public bool DedicatedCommitThreads { get; init; } = true;

    /// <summary>Name used in logs and errors (the database name).</summary>
    public string Name { get; init; } = "";

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for settings the engine cannot run with.</summary>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ShardCount, 1, nameof(ShardCount));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ShardCount, 256, nameof(ShardCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(BlockSize, 1024, nameof(BlockSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BlockSize, 64 << 20, nameof(BlockSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(LzmaDictionarySize, 4096, nameof(LzmaDictionarySize));
        ArgumentOutOfRangeException.ThrowIfLessThan(LzmaFastBytes, 5, nameof(LzmaFastBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(LzmaFastBytes, 273, nameof(LzmaFastBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(LogSealThresholdBytes, 4096, nameof(LogSealThresholdBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(BlockCacheBytes, nameof(BlockCacheBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(BrotliQuality, 0, nameof(BrotliQuality));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BrotliQuality, 11, nameof(BrotliQuality));
        ArgumentOutOfRangeException.ThrowIfNegative(SealAfterOpenBytes, nameof(SealAfterOpenBytes));
        if (!Enum.IsDefined(BlockCodec)) throw new ArgumentOutOfRangeException(nameof(BlockCodec), BlockCodec, "unknown block codec");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RelaxedFlushInterval, TimeSpan.Zero, nameof(RelaxedFlushInterval));
    }
}
