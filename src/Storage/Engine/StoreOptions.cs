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

    /// <summary>Upper bound of parsed documents a <see cref="Documents.DocumentStore"/> keeps for warm reads
    /// (<see cref="Documents.ParsedDocumentCache"/>), in bytes; 0 (default, and for stores that never parse): none.</summary>
    public long DocumentCacheBytes { get; init; }

    /// <summary>Largest uncompressed size of one block in a segment file (a cold read decodes a block up to the slot it
    /// wants). The size actually used follows the records (<see cref="RecordsPerBlock"/>). Recorded implicitly per
    /// block, so files written with other sizes still read.</summary>
    public int BlockSize { get; init; } = 16 << 10;

    /// <summary>Target records per block: a segment's blocks are sized to this many times its records' running average
    /// payload size, between <see cref="MinBlockSize"/> and <see cref="BlockSize"/> (small records: small blocks, cheap
    /// to decode; large ones: enough per block for LZMA's ratio). 0: always <see cref="BlockSize"/>.</summary>
    public int RecordsPerBlock { get; init; } = 16;

    /// <summary>Smallest block <see cref="RecordsPerBlock"/> may choose (below ~8 KiB LZMA's ratio drops quickly).</summary>
    public int MinBlockSize { get; init; } = 8 << 10;

    /// <summary>Codec of newly written segments (existing files keep theirs). LZMA, always: the product stores all data on
    /// disk LZMA-compressed (DESIGN.md, "Storage"). <see cref="BlockCodec.Brotli"/> is an explicit opt-in for
    /// experiments only; nothing in the product sets it (README, "Issue 14").</summary>
    public BlockCodec BlockCodec { get; init; } = BlockCodec.Lzma;

    /// <summary>Brotli quality for segment blocks when <see cref="BlockCodec"/> is the opt-in
    /// <see cref="BlockCodec.Brotli"/> (README, "Issue 14").</summary>
    public int BrotliQuality { get; init; } = 9;

    /// <summary>LZMA dictionary size; a dictionary as large as the block gives the full ratio.</summary>
    public int LzmaDictionarySize { get; init; } = 64 << 10;

    /// <summary>LZMA numFastBytes: 32 compresses best, 8–16 compress ~2–3× faster.</summary>
    public int LzmaFastBytes { get; init; } = 32;

    /// <summary>Write segments of version 4, which leave out the revision hash of every record whose payload determines
    /// it (<see cref="DerivedRevision"/>; 16 incompressible bytes per record, README "Segments"). Such revisions are
    /// recomputed when the segment opens. Off: the older versions (2 for LZMA, 3 for Brotli), every hash stored.
    /// Files of every version read either way.</summary>
    public bool OmitDerivedRevisions { get; init; } = true;

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

    /// <summary>Nice value (Linux; 0–19) of the background compactor's thread, so sealing and segment rewrites run on
    /// CPU the application leaves idle instead of taking a core from its reads and saves (elsewhere any value above 0
    /// means <see cref="ThreadPriority.BelowNormal"/>). 0: the application's priority. <see cref="RecordStore.CompactAsync"/>
    /// and sealing at close run on the caller's behalf at normal priority.</summary>
    public int BackgroundNice { get; init; } = 10;

    /// <summary>
    /// One committer thread per shard (default): lowest latency for a lone durable saver. Turn off where many stores
    /// share a process (e.g. a mirror with many databases) to commit on the thread pool instead of N threads per store.
    /// </summary>
    public bool DedicatedCommitThreads { get; init; } = true;

    /// <summary>
    /// A caller that finds its shard's committer idle commits on its own thread (one pwritev + fdatasync, no thread
    /// wake in series with the sync); queued requests still share one sync. On for a peer (a lone local saver); off
    /// where the caller's thread must not block on the disk (a mirror's grain turns).
    /// </summary>
    public bool InlineCommits { get; init; }

    /// <summary>
    /// Durable mode: commits write the log with <c>O_DIRECT</c> where the file system allows it, so each commit's
    /// <c>fdatasync</c> only flushes the device cache (no page-cache writeback in series with it). Off: through the page
    /// cache, as Relaxed mode always does (its writes must not wait for the device).
    /// </summary>
    public bool DirectLogWrites { get; init; } = true;

    /// <summary>Test seam: runs on the committing thread just before a batch is written (with the number of requests in
    /// it); it may block or throw (an <see cref="IOException"/> is then handled as a failed log write).</summary>
    internal Action<int>? BeforeLogWrite { get; init; }

    /// <summary>Name used in logs and errors (the database name).</summary>
    public string Name { get; init; } = "";

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for settings the engine cannot run with.</summary>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ShardCount, 1, nameof(ShardCount));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ShardCount, 256, nameof(ShardCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(BlockSize, 1024, nameof(BlockSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BlockSize, 64 << 20, nameof(BlockSize));
        ArgumentOutOfRangeException.ThrowIfNegative(RecordsPerBlock, nameof(RecordsPerBlock));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinBlockSize, 1024, nameof(MinBlockSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(LzmaDictionarySize, 4096, nameof(LzmaDictionarySize));
        ArgumentOutOfRangeException.ThrowIfLessThan(LzmaFastBytes, 5, nameof(LzmaFastBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(LzmaFastBytes, 273, nameof(LzmaFastBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(LogSealThresholdBytes, 4096, nameof(LogSealThresholdBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(BlockCacheBytes, nameof(BlockCacheBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(DocumentCacheBytes, nameof(DocumentCacheBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(BrotliQuality, 0, nameof(BrotliQuality));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BrotliQuality, 11, nameof(BrotliQuality));
        ArgumentOutOfRangeException.ThrowIfNegative(SealAfterOpenBytes, nameof(SealAfterOpenBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(BackgroundNice, nameof(BackgroundNice));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BackgroundNice, 19, nameof(BackgroundNice));
        if (!Enum.IsDefined(BlockCodec)) throw new ArgumentOutOfRangeException(nameof(BlockCodec), BlockCodec, "unknown block codec");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RelaxedFlushInterval, TimeSpan.Zero, nameof(RelaxedFlushInterval));
    }
}
