namespace MyNoSql.Silo.Configuration;

/// <summary>
/// Settings of one mirror (DESIGN §5), bound from section <c>Mirror</c> of appsettings.json, environment variables
/// (<c>MYNOSQL_Mirror__HttpPort=8801</c>) and the command line (<c>--http-port 8801</c>), later sources winning.
/// </summary>
internal sealed class MirrorOptions
{
    public const string Section = "Mirror";

    /// <summary>This mirror's data directory (relative paths are relative to the working directory).</summary>
    public string Data { get; set; } = "./data";

    /// <summary>Address the HTTP gateway listens on: an IP, <c>localhost</c>, or <c>*</c> for every interface.</summary>
    public string HttpHost { get; set; } = "127.0.0.1";

    public int HttpPort { get; set; } = 8800;

    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;

    /// <summary>Silo endpoint (HOST:PORT) of the first mirror, for localhost clustering; empty on the first mirror.</summary>
    public string? Primary { get; set; }

    public string ClusterId { get; set; } = "mynosql";

    public string ServiceId { get; set; } = "mynosql";

    /// <summary><c>localhost</c> or <c>adonet</c>.</summary>
    public string Clustering { get; set; } = "localhost";

    /// <summary><c>lzma-shards</c> or <c>adonet</c>.</summary>
    public string Storage { get; set; } = "lzma-shards";

    /// <summary>PostgreSQL connection string for the ADO.NET clustering and storage.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Base URL clients should use for this mirror (listed by <c>GET /mirrors</c>); derived from host and port when empty.</summary>
    public string? AdvertiseUrl { get; set; }

    /// <summary>IP address the silo advertises to other silos with ADO.NET clustering.</summary>
    public string AdvertiseIp { get; set; } = "127.0.0.1";

    /// <summary>Largest request body accepted for a document, in bytes.</summary>
    public int MaxDocumentSize { get; set; } = 16 << 20;

    /// <summary>Largest attachment body accepted, in bytes (DESIGN §9: default 4 GiB); larger puts get 413.</summary>
    public long MaxAttachmentBytes { get; set; } = 4L << 30;

    /// <summary>Silos a write must be durable on (including the writer); 0 = a majority of active silos.</summary>
    public int WriteQuorum { get; set; }

    /// <summary>Copies of each record (DESIGN §12); 0 (default) = every mirror keeps a full copy.</summary>
    public int Replicas { get; set; }

    /// <summary>Records per second the rebalancer copies after a membership change (with <see cref="Replicas"/>).</summary>
    public int RebalanceRate { get; set; } = 2000;

    public double ReplicationTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// How long the gateway retries a grain call that failed because a silo is unreachable (a mirror just died and the
    /// cluster has not declared it dead yet) before it answers 503; 0 = answer 503 at once.
    /// </summary>
    public double UnavailableRetrySeconds { get; set; } = 25;

    /// <summary>Seconds between anti-entropy rounds; 0 = off.</summary>
    public double AntiEntropySeconds { get; set; } = 30;

    /// <summary>
    /// Seconds after which a tombstone that every mirror holds leaves the sync index (the stores keep it); a peer that
    /// has not pulled for longer resyncs fully. Default 30 days.
    /// </summary>
    public double TombstoneHorizonSeconds { get; set; } = 30 * 86400;

    /// <summary>Bodies of this many past revisions each record keeps (DESIGN §8: history, <c>?rev=</c>, undo/redo); 0 keeps none.</summary>
    public int HistoryDepth { get; set; } = 20;

    /// <summary>Log every HTTP request (costs ~2× throughput; off by default).</summary>
    public bool RequestLogging { get; set; }

    /// <summary>A read-only mirror (DESIGN §9): it keeps a full copy through the cluster's internal replication and
    /// serves reads, queries and sync pulls, but its gateway refuses every write route with 403 <c>read_only</c>.</summary>
    public bool ReadOnly { get; set; }

    /// <summary>Running as a Kubernetes pod (deploy/kubernetes): the silo takes its name, address and ids from the pod's
    /// environment (Microsoft.Orleans.Hosting.Kubernetes) and removes dead pods from membership. Needs ADO.NET clustering.</summary>
    public bool Kubernetes { get; set; }

    /// <summary>JSON file of API keys (deploy/SECURITY.md); reloaded when it changes. Empty = no authentication,
    /// allowed only while the gateway listens on a loopback address.</summary>
    public string? ApiKeysFile { get; set; }

    /// <summary>TLS certificate for the HTTP gateway: a PEM file (key in <see cref="TlsKey"/> or the same file) or a
    /// PKCS#12 file (.pfx/.p12). Empty = plain HTTP.</summary>
    public string? TlsCert { get; set; }

    /// <summary>PEM private key of <see cref="TlsCert"/>.</summary>
    public string? TlsKey { get; set; }

    /// <summary>Password of a PKCS#12 <see cref="TlsCert"/> or an encrypted PEM key; set it through the environment
    /// (<c>MYNOSQL_Mirror__TlsCertPassword</c>), never on a command line.</summary>
    public string? TlsCertPassword { get; set; }

    /// <summary>Requests per second per client (API key and remote IP, or remote IP without a key); 0 = no limit.
    /// Null = the default: 1000 with authentication, none on a loopback gateway without keys.</summary>
    public double? RateLimit { get; set; }

    /// <summary>Requests a client may send at once above <see cref="RateLimit"/>; null = twice the rate (at least 10).</summary>
    public int? RateLimitBurst { get; set; }

    /// <summary>Open HTTP connections the gateway accepts at once; 0 = no limit.</summary>
    public int MaxConnections { get; set; } = 10_000;

    public bool UsesAdoNet => Clustering == "adonet" || Storage == "adonet";

    /// <summary>True when the HTTP gateway listens only on a loopback address (127.0.0.0/8, ::1, localhost).</summary>
    public bool ListensOnLoopbackOnly =>
        HttpHost == "localhost" || System.Net.IPAddress.TryParse(HttpHost, out var ip) && System.Net.IPAddress.IsLoopback(ip);

    /// <summary>Authentication is on whenever a key file is configured.</summary>
    public bool AuthenticationEnabled => !string.IsNullOrWhiteSpace(ApiKeysFile);

    /// <summary>The rate limit in force: <see cref="RateLimit"/>, or its default (1000/s with authentication, else none).</summary>
    public double EffectiveRateLimit => RateLimit ?? (AuthenticationEnabled ? 1000 : 0);

    /// <summary>The burst in force: <see cref="RateLimitBurst"/> or twice the rate (at least 10).</summary>
    public int EffectiveRateLimitBurst => RateLimitBurst ?? (int)Math.Clamp(EffectiveRateLimit * 2, 10, int.MaxValue);

    /// <summary>The advertised URL: <see cref="AdvertiseUrl"/> or one derived from the HTTP host and port.</summary>
    public string EffectiveAdvertiseUrl()
    {
        if (!string.IsNullOrWhiteSpace(AdvertiseUrl)) return AdvertiseUrl.TrimEnd('/');
        string host = HttpHost is "*" or "0.0.0.0" or "::" ? System.Net.Dns.GetHostName() : HttpHost;
        if (host.Contains(':', StringComparison.Ordinal)) host = $"[{host}]";
        return $"{(string.IsNullOrWhiteSpace(TlsCert) ? "http" : "https")}://{host}:{HttpPort}";
    }
}
