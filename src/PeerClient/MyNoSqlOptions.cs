namespace MyNoSql;

/// <summary>Options of <see cref="MyNoSqlDb.OpenAsync"/>.</summary>
public sealed class MyNoSqlOptions
{
    /// <summary>Folder holding databases; each database is a sub-folder named after it.
    /// Default: <c>mynosql</c> under the user's local application data folder.</summary>
    public string DataDirectory { get; set; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "mynosql");

    /// <summary><see cref="DurabilityMode.Durable"/> (default): a save returns once fsynced.</summary>
    public DurabilityMode Durability { get; set; } = DurabilityMode.Durable;

    /// <summary>RAM for decompressed blocks, in bytes (default 16 MiB).</summary>
    public long CacheSizeBytes { get; set; } = 16L << 20;

    /// <summary>Largest document accepted, in UTF-8 bytes of its JSON (default 16 MiB).</summary>
    public int MaxDocumentSize { get; set; } = 16 << 20;

    /// <summary>Interval of the background sync loop (default 5 s); a round also runs shortly after local writes.
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns the background loop off: rounds run only on <see cref="MyNoSqlDb.SyncAsync"/>.</summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Partial sync: when not empty, a Mirror-mode peer fetches only records whose ids start with one of these prefixes.</summary>
    public IList<string> SyncPrefixes { get; } = [];

    /// <summary>Time limit of one sync request to a mirror (default 60 s); a mirror that does not answer in time is skipped.</summary>
    public TimeSpan SyncRequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Receives the counts of every sync round (explicit or background) after each batch and page; null for none.
    /// Called on the sync round's thread: keep it quick.</summary>
    public IProgress<SyncProgress>? SyncProgress { get; set; }

    /// <summary>Tests and tools only: adjusts the HTTP handler of the sync transport (e.g. to count bytes on the wire).</summary>
    internal Action<System.Net.Http.SocketsHttpHandler>? ConfigureHttpHandler { get; set; }

    /// <summary>Tests and tools only: seal a shard's log into a segment at this size instead of the default.</summary>
    internal long? LogSealThresholdBytes { get; set; }

    /// <summary>Tests only: false skips sealing the logs on close (the simulation closes crashed copies it then throws away).</summary>
    internal bool SealOnClose { get; set; } = true;
}
