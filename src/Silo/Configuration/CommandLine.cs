using System.Globalization;

namespace MyNoSql.Silo.Configuration;

/// <summary>The mirror's command line: <c>--name value</c> or <c>--name=value</c>, mapped onto <see cref="MirrorOptions"/>.</summary>
internal static class CommandLine
{
    private static readonly Dictionary<string, string> Options = new(StringComparer.Ordinal)
    {
        ["--data"] = nameof(MirrorOptions.Data),
        ["--http-host"] = nameof(MirrorOptions.HttpHost),
        ["--http-port"] = nameof(MirrorOptions.HttpPort),
        ["--silo-port"] = nameof(MirrorOptions.SiloPort),
        ["--gateway-port"] = nameof(MirrorOptions.GatewayPort),
        ["--primary"] = nameof(MirrorOptions.Primary),
        ["--cluster-id"] = nameof(MirrorOptions.ClusterId),
        ["--service-id"] = nameof(MirrorOptions.ServiceId),
        ["--clustering"] = nameof(MirrorOptions.Clustering),
        ["--storage"] = nameof(MirrorOptions.Storage),
        ["--connection-string"] = nameof(MirrorOptions.ConnectionString),
        ["--advertise-url"] = nameof(MirrorOptions.AdvertiseUrl),
        ["--advertise-ip"] = nameof(MirrorOptions.AdvertiseIp),
        ["--max-document-size"] = nameof(MirrorOptions.MaxDocumentSize),
        ["--max-attachment-bytes"] = nameof(MirrorOptions.MaxAttachmentBytes),
        ["--write-quorum"] = nameof(MirrorOptions.WriteQuorum),
        ["--replicas"] = nameof(MirrorOptions.Replicas),
        ["--rebalance-rate"] = nameof(MirrorOptions.RebalanceRate),
        ["--replication-timeout-seconds"] = nameof(MirrorOptions.ReplicationTimeoutSeconds),
        ["--anti-entropy-seconds"] = nameof(MirrorOptions.AntiEntropySeconds),
        ["--unavailable-retry-seconds"] = nameof(MirrorOptions.UnavailableRetrySeconds),
        ["--tombstone-horizon-seconds"] = nameof(MirrorOptions.TombstoneHorizonSeconds),
        ["--history-depth"] = nameof(MirrorOptions.HistoryDepth),
        ["--request-logging"] = nameof(MirrorOptions.RequestLogging),
        ["--api-keys-file"] = nameof(MirrorOptions.ApiKeysFile),
        ["--tls-cert"] = nameof(MirrorOptions.TlsCert),
        ["--tls-key"] = nameof(MirrorOptions.TlsKey),
        ["--rate-limit"] = nameof(MirrorOptions.RateLimit),
        ["--rate-limit-burst"] = nameof(MirrorOptions.RateLimitBurst),
        ["--max-connections"] = nameof(MirrorOptions.MaxConnections),
        ["--read-only"] = nameof(MirrorOptions.ReadOnly),
        ["--kubernetes"] = nameof(MirrorOptions.Kubernetes),
    };

    /// <summary>Switches: given alone they mean <c>true</c>; <c>--name=false</c> or <c>--name false</c> turn them off.</summary>
    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal) { "--request-logging", "--read-only", "--kubernetes" };

    public const string Usage = """
        Usage: MyNoSql.Silo [options]   (every option can also be set in appsettings.json, section "Mirror",
                                          or as an environment variable such as MYNOSQL_Mirror__HttpPort=8801)
          --data DIR                  data directory (default ./data)
          --http-host ADDR            HTTP listen address: IP, localhost or * (default 127.0.0.1)
          --http-port N               HTTP gateway port (default 8800)
          --silo-port N               Orleans silo port (default 11111)
          --gateway-port N            Orleans gateway port (default 30000)
          --primary HOST:PORT         silo endpoint of the first mirror (localhost clustering; omit on the first)
          --cluster-id ID             Orleans cluster id (default mynosql)
          --service-id ID             Orleans service id (default mynosql)
          --clustering localhost|adonet
          --storage lzma-shards|adonet
          --connection-string S       PostgreSQL connection string (ADO.NET clustering/storage)
          --advertise-url URL         base URL peers should use for this mirror (default http://HOST:PORT)
          --advertise-ip IP           silo address other silos use with ADO.NET clustering (default 127.0.0.1)
          --max-document-size BYTES   largest document body accepted (default 16777216)
          --max-attachment-bytes BYTES    largest attachment body accepted, 413 beyond (default 4294967296)
          --write-quorum N            mirrors a write must be durable on (default 0 = majority)
          --replicas N                copies of each record, on N mirrors by rendezvous hashing (default 0 = all)
          --rebalance-rate N          records/s copied to new holders after a membership change (default 2000)
          --replication-timeout-seconds S   wait for the write quorum at most S seconds (default 10)
          --anti-entropy-seconds S    seconds between anti-entropy rounds, 0 = off (default 30)
          --unavailable-retry-seconds S   while a lost mirror is failed over, retry grain calls up to S seconds
                                      before answering 503 (default 25; 0 = at once)
          --tombstone-horizon-seconds S   drop tombstones from the sync index after S seconds, once every
                                      mirror holds them; peers offline longer resync fully (default 2592000 = 30 days)
          --history-depth N           bodies of N past revisions kept per record for history and undo, 0 = none
                                      (default 20)
          --request-logging [true|false]    log every HTTP request (default false)
          --api-keys-file FILE        API keys with their databases and rights, reloaded on change (deploy/SECURITY.md);
                                      required unless --http-host is a loopback address
          --tls-cert FILE             serve HTTPS: PEM certificate (key in --tls-key or the same file) or .pfx/.p12
                                      (password only via MYNOSQL_Mirror__TlsCertPassword)
          --tls-key FILE              PEM private key of --tls-cert
          --rate-limit N              requests/s per client, 0 = off (default 1000 with keys, off without)
          --rate-limit-burst N        requests a client may send at once (default 2 × rate, at least 10)
          --max-connections N         open HTTP connections at most, 0 = no limit (default 10000)
          --read-only [true|false]    read-only mirror: keeps a full copy and serves reads, queries and sync pulls;
                                      every write through its gateway gets 403 read_only (default false)
          --kubernetes [true|false]   running as a Kubernetes pod: silo identity from the pod, dead pods leave
                                      membership; needs --clustering adonet (default false; deploy/kubernetes)
          --new-api-key [NAME]        print a new random API key and its key-file entry, then exit
          --help                      this text
        """;

    /// <summary>The command-line option of a <see cref="MirrorOptions"/> property (<c>Replicas</c> → <c>--replicas</c>), for messages.</summary>
    public static string OptionOf(string property) =>
        Options.FirstOrDefault(o => string.Equals(o.Value, property, StringComparison.OrdinalIgnoreCase)).Key ?? $"{MirrorOptions.Section}:{property}";

    /// <summary>Parses <paramref name="args"/> into configuration keys (<c>Mirror:HttpPort</c> …).</summary>
    /// <returns>The settings, or null with <paramref name="error"/> set; <paramref name="help"/> when --help was given.</returns>
    public static Dictionary<string, string?>? Parse(IReadOnlyList<string> args, out string? error, out bool help)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        error = null;
        help = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "--help" or "-h" or "-?")
            {
                help = true;
                continue;
            }
            string name = arg, value;
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0) name = arg[..eq];
            if (!Options.TryGetValue(name, out var key))
            {
                error = $"unknown option '{name}'";
                return null;
            }
            if (eq > 0) value = arg[(eq + 1)..];
            else if (Flags.Contains(name) && (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))) value = "true";
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) value = args[++i];
            else
            {
                error = $"option '{name}' needs a value";
                return null;
            }
            settings[string.Create(CultureInfo.InvariantCulture, $"{MirrorOptions.Section}:{key}")] = value;
        }
        return settings;
    }
}
