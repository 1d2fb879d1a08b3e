namespace MyNoSql.Grains.Storage;

/// <summary>Settings of the <c>lzma-shards</c> grain storage: one local store per silo.</summary>
public sealed class LzmaShardStorageOptions
{
    /// <summary>Directory of this silo's store (each silo needs its own).</summary>
    public string Directory { get; set; } = "";

    /// <summary>Shards of a newly created store (an existing store keeps its own count).</summary>
    public int ShardCount { get; set; } = 4;

    /// <summary>Decompressed blocks kept in RAM, in bytes.</summary>
    public long CacheSizeBytes { get; set; } = 64L << 20;

    /// <summary>Durable (default): a write returns after fsync. Relaxed: a background timer syncs.</summary>
    public DurabilityMode Durability { get; set; } = DurabilityMode.Durable;

    /// <summary>
    /// One committer thread per shard (off by default here): a mirror shares its cores with Orleans messaging, Kestrel and
    /// often other mirrors on the machine, where idle dedicated committers spin before they block; the thread pool commits
    /// instead (the store's own default, for a lone embedded saver, is on).
    /// </summary>
    public bool DedicatedCommitThreads { get; set; }

    /// <summary>
    /// When the store cannot be opened because a file in it is damaged (a checksum failed): true moves the store's directory
    /// aside (kept as <c>{Directory}.damaged-{UTC time}</c>, never deleted) and starts with an empty store, which anti-entropy
    /// refills from the other mirrors; false (default) refuses to start with one error naming the file and offset. Set it
    /// only where other mirrors hold copies (the mirror host does for a mirror given <c>--primary</c> or ADO.NET clustering).
    /// </summary>
    public bool SetAsideDamagedStore { get; set; }

    /// <summary>The first problem with these settings, or null when they are usable.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory)) return "the lzma-shards storage needs a directory";
        if (ShardCount is < 1 or > 256) return $"ShardCount must be 1–256 (got {ShardCount})";
        if (CacheSizeBytes < 0) return $"CacheSizeBytes must not be negative (got {CacheSizeBytes})";
        if (!Enum.IsDefined(Durability)) return $"unknown durability '{Durability}'";
        return null;
    }
}
