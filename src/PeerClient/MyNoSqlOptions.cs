using MyNoSql.Storage.Attachments;

namespace MyNoSql;

/// <summary>Options of <see cref="MyNoSqlDb.OpenAsync"/> (and, with the database's name, of
/// <see cref="Microsoft.Extensions.DependencyInjection.MyNoSqlServiceCollectionExtensions.AddMyNoSql"/>).</summary>
public class MyNoSqlOptions
{
    /// <summary>Folder holding databases; each database is a sub-folder named after it.
    /// Default: <c>mynosql</c> under the user's local application data folder.</summary>
    public string DataDirectory { get; set; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "mynosql");

    /// <summary><see cref="DurabilityMode.Durable"/> (default): a save returns once fsynced.</summary>
    public DurabilityMode Durability { get; set; } = DurabilityMode.Durable;

    /// <summary>RAM for decompressed blocks, in bytes (default 16 MiB).</summary>
    public long CacheSizeBytes { get; set; } = 16L << 20;

    /// <summary>RAM for records kept parsed after a read, in bytes (default 32 MiB; 0: none). Reading a record again
    /// that was not written since then skips the JSON parse, most of a warm read's cost. A record is kept from its
    /// second read on. Counted as the parses allocated: about 3× the record's JSON for ~2 KB records, 5× for ~100-byte
    /// ones.</summary>
    public long DocumentCacheBytes { get; set; } = 32L << 20;

    /// <summary>Largest document accepted, in UTF-8 bytes of its JSON (default 16 MiB).</summary>
    public int MaxDocumentSize { get; set; } = 16 << 20;

    /// <summary>Largest attachment body accepted by <see cref="MyNoSqlDb.PutAttachmentAsync"/>, in bytes (default 4 GiB,
    /// as the mirrors' <c>--max-attachment-bytes</c>).</summary>
    public long MaxAttachmentBytes { get; set; } = AttachmentStoreOptions.DefaultMaxAttachmentBytes;

    /// <summary>Wait between rounds of the background sync loop (default 5 s); a round also runs shortly after local
    /// writes, and after a read had to ask a mirror because the last pull was older than <see cref="ReadFreshness"/>.
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns the background loop off: rounds run only on <see cref="MyNoSqlDb.SyncAsync"/>.</summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How stale a read may be while a mirror is reachable (default 5 s): <see cref="MyNoSqlDb.ReadDocAsync(string, CancellationToken)"/> never
    /// returns a revision older than one the mirrors acknowledged more than this long before the call, whatever
    /// <see cref="SyncInterval"/> is. When the last complete pull of a sync round (or a fetch of that record) started
    /// longer ago, the read first asks a mirror for the record and merges what it has, which costs one request (at most
    /// 2 s); mirrors that failed are skipped until a background re-check or a sync round reaches them again, so with
    /// none reachable the read answers from the local copy at once (a mirror that hangs costs one read those 2 s, once). <see cref="TimeSpan.Zero"/> asks a mirror on every read; <see cref="Timeout.InfiniteTimeSpan"/>
    /// never does (reads then see what the sync rounds brought).
    /// </summary>
    public TimeSpan ReadFreshness { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A known mirror that was neither reachable nor listed by a reachable mirror's <c>/mirrors</c> for this long is
    /// forgotten (default 7 days; checked when a sync round asks a mirror for the cluster's mirrors, every 10 minutes).
    /// The last known mirror is never pruned. <see cref="Timeout.InfiniteTimeSpan"/> never prunes.
    /// </summary>
    public TimeSpan MirrorPruneAfter { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Bodies of this many past revisions (the current one not counted) are kept per record, for
    /// <see cref="MyNoSqlDb.GetHistoryAsync"/>, <see cref="MyNoSqlDb.ReadDocAsync(string, string, CancellationToken)"/>,
    /// undo/redo, merge policies that need a common ancestor, and delta sync (default 20; 0 keeps none). Kept compactly:
    /// each as a delta against its newer neighbour, inside the record's compressed block.
    /// </summary>
    public int HistoryDepth { get; set; } = 20;

    /// <summary>Partial sync: when not empty, pulls list only ids that start with one of these prefixes, so a
    /// Mirror-mode peer fetches only those records (and a Peer-mode peer's records outside them are refreshed by
    /// reads, not by rounds). Pushes are not filtered.</summary>
    public IList<string> SyncPrefixes { get; } = [];

    /// <summary>Time limit of one sync request to a mirror (default 60 s; connecting is limited to 5 s); a mirror that
    /// does not answer in time is skipped, and reads skip it until it answers again.</summary>
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

    /// <summary>Where the database logs sync rounds, their failures and conflicts (categories <c>MyNoSql.*</c>); null logs
    /// nothing. <c>services.AddMyNoSql</c> sets the host's.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; set; }

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

    /// <summary>Time limit of what a read asks the mirrors for <see cref="ReadFreshness"/> (default 2 s, at most
    /// <see cref="SyncRequestTimeout"/>; also the limit of the background re-check of a mirror that is down); a mirror
    /// that does not answer in time is down for reads until it answers again, and the read answers locally.</summary>
    internal TimeSpan ReadProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Tests only: the clock of <see cref="ReadFreshness"/>, mirror back-off and pruning (the deterministic
    /// simulation freezes it so that a run stays a function of its seed).</summary>
    internal TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Tests and tools only: seal a shard's log into a segment at this size instead of the default.</summary>
    internal long? LogSealThresholdBytes { get; set; }

    /// <summary>Tests and tools: true seals the logs into segments at close (the engine's old behaviour; after a bulk
    /// load that takes seconds). By default close returns at once and the next open seals in the background.</summary>
    internal bool SealOnClose { get; set; }
}
