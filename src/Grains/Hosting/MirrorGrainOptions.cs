namespace MyNoSql.Grains;

/// <summary>Behaviour of the mirror grains on one silo.</summary>
public sealed class MirrorGrainOptions
{
    /// <summary>The largest <see cref="HistoryDepth"/> accepted.</summary>
    public const int MaxHistoryDepth = 1000;

    /// <summary>Grain storage the records use (<c>lzma-shards</c> or <c>adonet</c>).</summary>
    public string StorageName { get; set; } = LzmaShardStorageExtensions.DefaultName;

    /// <summary>
    /// True when every silo keeps its own copy (lzma-shards): writes replicate to a write quorum and anti-entropy
    /// runs. False for shared storage (ADO.NET), where every silo already reads the same copy.
    /// </summary>
    public bool Replicate { get; set; } = true;

    /// <summary>Silos (including the writer) a write must be durable on before it is acknowledged; 0 = a majority of active silos.</summary>
    public int WriteQuorum { get; set; }

    /// <summary>
    /// Copies of each record (DESIGN §12): with more active mirrors than this, each record lives on this many mirrors
    /// chosen by rendezvous hashing, and a write needs a majority of them. 0 (the default) = every mirror keeps everything.
    /// </summary>
    public int Replicas { get; set; }

    /// <summary>Records per second the rebalancer copies to new holders after a membership change (with <see cref="Replicas"/>).</summary>
    public int RebalanceRecordsPerSecond { get; set; } = 2000;

    /// <summary>How long a write waits for its quorum before it is reported as not acknowledged.</summary>
    public TimeSpan ReplicationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often each silo compares its index digests with every other silo and repairs differences; zero = never.</summary>
    public TimeSpan AntiEntropyInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Age after which a tombstone that every active mirror holds leaves the index segments (the sync feed). The
    /// stores keep the tombstone, so replication and late mirrors can never resurrect the record; a peer that has
    /// not pulled for longer than this resyncs fully (the horizon travels in every changes page).
    /// </summary>
    public TimeSpan TombstoneHorizon { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Largest content (UTF-8 JSON without <c>id</c>/<c>rev</c>) a record grain stores; larger saves and pushes are refused.</summary>
    public int MaxDocumentSize { get; set; } = 16 << 20;

    /// <summary>Bodies of this many past revisions each record keeps on this mirror (DESIGN §8; 0 keeps none).</summary>
    public int HistoryDepth { get; set; } = MyNoSql.Storage.Documents.RecordHistory.DefaultDepth;

    /// <summary>Base URL of this silo's HTTP gateway, as clients should use it (listed by <c>GET /mirrors</c>).</summary>
    public string AdvertisedUrl { get; set; } = "";

    /// <summary>The first problem with these settings, or null.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(StorageName)) return "a storage name is required";
        if (WriteQuorum < 0) return $"the write quorum must not be negative (got {WriteQuorum})";
        if (Replicas < 0) return $"the replica count must be 1 or more, or 0 for full copies (got {Replicas})";
        if (RebalanceRecordsPerSecond < 1) return $"the rebalance rate must be at least 1 record per second (got {RebalanceRecordsPerSecond})";
        if (ReplicationTimeout <= TimeSpan.Zero) return $"the replication timeout must be positive (got {ReplicationTimeout})";
        if (TombstoneHorizon <= TimeSpan.Zero) return $"the tombstone horizon must be positive (got {TombstoneHorizon})";
        if (MaxDocumentSize <= 0) return $"the maximum document size must be positive (got {MaxDocumentSize})";
        if (HistoryDepth is < 0 or > MaxHistoryDepth) return $"the history depth must be 0 to {MaxHistoryDepth} (got {HistoryDepth})";
        if (AntiEntropyInterval < TimeSpan.Zero) return $"the anti-entropy interval must not be negative (got {AntiEntropyInterval})";
        return null;
    }
}
