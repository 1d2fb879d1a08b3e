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

    /// <summary>API key for the mirrors' HTTP gateway, sent as <c>Authorization: Bearer</c> on every sync request
    /// (deploy/SECURITY.md); null when the mirrors need none. Never logged nor put in an exception message. A mirror
    /// that rejects it (401/403) stops the round with <see cref="CredentialRejectedException"/>; the outbox is kept.</summary>
    public string? ApiKey { get; set; }

    /// <summary>For keys that change at runtime (rotation, a secret store): called before every sync request, it
    /// wins over <see cref="ApiKey"/>; null or empty sends no key.</summary>
    public Func<CancellationToken, ValueTask<string?>>? ApiKeyProvider { get; set; }

    /// <summary>False (default): the key is sent only over https or to a loopback mirror; a plain http:// mirror elsewhere
    /// stops the round with <see cref="CredentialRejectedException"/> before anything is sent, because anyone on the
    /// path could read the key. True only for networks you trust end to end (a VPN, a private link).</summary>
    public bool AllowApiKeyOverPlainHttp { get; set; }

    /// <summary>Certificates trusted for https:// mirrors besides the system's roots: a mirror whose certificate
    /// is one of these, or is issued by one of them, is accepted (a self-signed mirror certificate, a private CA).
    /// The host name must still match the certificate.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2Collection TrustedCertificates { get; } = [];

    /// <summary>Sync transports for mirror URL schemes other than http and https, by scheme (case-insensitive),
    /// e.g. <c>orleans</c> from the MyNoSql.PeerClient.Orleans package (<c>options.UseOrleans()</c>). A database takes
    /// a copy of this table when it opens, accepts mirror URLs of these schemes in <see cref="MyNoSqlDb.AddPeerAsync"/>
    /// and calls a factory once, when it first syncs with a mirror of that scheme.</summary>
    public IDictionary<string, Func<Sync.ISyncTransport>> Transports { get; } =
        new Dictionary<string, Func<Sync.ISyncTransport>>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Shows the options without the key.</summary>
    public override string ToString() =>
        $"MyNoSqlOptions {{ DataDirectory = {DataDirectory}, Durability = {Durability}, SyncInterval = {SyncInterval}, ApiKey = {(ApiKey is null ? "none" : "(set)")} }}";

    /// <summary>Checks the credential options (the key is never echoed).</summary>
    internal void ValidateCredential()
    {
        if (ApiKey is not null && (ApiKey.Length == 0 || !ApiKey.All(c => c is > ' ' and < '\u007f')))
            throw new ArgumentException("MyNoSqlOptions.ApiKey must be printable ASCII without spaces (the key is not shown).", "options");
    }

    /// <summary>Checks <see cref="Transports"/>: schemes must be URI schemes and cannot replace http or https.</summary>
    internal void ValidateTransports()
    {
        foreach (var (scheme, factory) in Transports)
        {
            if (!Uri.CheckSchemeName(scheme) || scheme.Equals("http", StringComparison.OrdinalIgnoreCase) || scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"MyNoSqlOptions.Transports: '{scheme}' is not a scheme a transport can take (http and https are built in).", "options");
            if (factory is null)
                throw new ArgumentException($"MyNoSqlOptions.Transports: the factory of '{scheme}' is null.", "options");
        }
    }

    /// <summary>Tests and tools only: adjusts the HTTP handler of the sync transport (e.g. to count bytes on the wire).</summary>
    internal Action<System.Net.Http.SocketsHttpHandler>? ConfigureHttpHandler { get; set; }

    /// <summary>Tests and tools only: seal a shard's log into a segment at this size instead of the default.</summary>
    internal long? LogSealThresholdBytes { get; set; }

    /// <summary>Tests only: false skips sealing the logs on close (the simulation closes crashed copies it then throws away).</summary>
    internal bool SealOnClose { get; set; } = true;
}
