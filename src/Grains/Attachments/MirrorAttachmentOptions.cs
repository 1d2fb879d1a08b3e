namespace MyNoSql.Grains.Attachments;

/// <summary>Attachments on one mirror (DESIGN §9): where its chunk stores live, the size limit, repair and collection.</summary>
internal sealed class MirrorAttachmentOptions
{
    /// <summary>Default <see cref="MaxAttachmentBytes"/>: 4 GiB.</summary>
    public const long DefaultMaxAttachmentBytes = 4L << 30;

    /// <summary>The directory holding one chunk store per database (<c>&lt;data&gt;/attachments/&lt;db&gt;</c>).</summary>
    public string Directory { get; set; } = "";

    /// <summary>Largest attachment body accepted, in bytes (<c>--max-attachment-bytes</c>); larger puts get 413.</summary>
    public long MaxAttachmentBytes { get; set; } = DefaultMaxAttachmentBytes;

    /// <summary>Chunks of one upload in flight to each other silo (each up to 1 MiB): bounds the memory an upload holds.</summary>
    public int ChunksInFlight { get; set; } = 2;

    /// <summary>Chunk copy calls of one upload in flight to each other silo (each holds a pooled copy of its chunk until
    /// Orleans serialized it); more calls let that silo's fsyncs overlap.</summary>
    public int CallsInFlight { get; set; } = 2;

    /// <summary>How long one chunk copy to another silo may take before that silo is left to anti-entropy.</summary>
    public TimeSpan CopyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often every stub this silo holds is checked against its chunk stores (besides the records that
    /// replication brings, which are checked as they arrive); zero = only at start.</summary>
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often unreferenced bodies are collected; zero = never (only on demand).</summary>
    public TimeSpan CollectionInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Chunks and manifests younger than this are never collected (an upload in flight has no stub yet).</summary>
    public TimeSpan CollectionGrace { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The first problem with these settings, or null.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory)) return "the attachments need a directory";
        if (MaxAttachmentBytes < 1) return $"the maximum attachment size must be positive (got {MaxAttachmentBytes})";
        if (ChunksInFlight is < 1 or > 64) return $"ChunksInFlight must be 1–64 (got {ChunksInFlight})";
        if (CallsInFlight is < 1 or > 64) return $"CallsInFlight must be 1–64 (got {CallsInFlight})";
        if (CopyTimeout <= TimeSpan.Zero) return $"the copy timeout must be positive (got {CopyTimeout})";
        if (ScanInterval < TimeSpan.Zero || CollectionInterval < TimeSpan.Zero || CollectionGrace < TimeSpan.Zero)
            return "the scan and collection intervals and the collection grace must not be negative";
        return null;
    }
}
