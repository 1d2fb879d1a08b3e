using System.Net;
using Microsoft.Extensions.Configuration;

namespace MyNoSql.Silo.Configuration;

/// <summary>Checks <see cref="MirrorOptions"/> and says what is wrong in terms of the command-line options.</summary>
internal static class MirrorOptionsValidator
{
    /// <summary>The largest <c>--max-attachment-bytes</c> accepted: 1 TiB.</summary>
    public const long MaxAttachmentLimit = 1L << 40;

    public static List<string> Validate(MirrorOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.Data)) errors.Add("--data must name a directory");
        CheckPort(errors, "--http-port", o.HttpPort);
        CheckPort(errors, "--silo-port", o.SiloPort);
        CheckPort(errors, "--gateway-port", o.GatewayPort);
        if (o.SiloPort == o.GatewayPort) errors.Add($"--silo-port and --gateway-port must differ (both {o.SiloPort})");
        if (o.HttpHost is not ("*" or "localhost") && !IPAddress.TryParse(o.HttpHost, out _))
            errors.Add($"--http-host must be an IP address, 'localhost' or '*' (got '{o.HttpHost}')");
        if (!string.IsNullOrWhiteSpace(o.Primary) && !TryParseEndpoint(o.Primary, out _))
            errors.Add($"--primary must be HOST:PORT with an IP address or 'localhost' and a port 1–65535 (got '{o.Primary}')");
        if (!IsName(o.ClusterId)) errors.Add($"--cluster-id must be 1–100 characters of letters, digits, '-', '_' or '.' (got '{o.ClusterId}')");
        if (!IsName(o.ServiceId)) errors.Add($"--service-id must be 1–100 characters of letters, digits, '-', '_' or '.' (got '{o.ServiceId}')");
        if (o.Clustering is not ("localhost" or "adonet")) errors.Add($"--clustering must be 'localhost' or 'adonet' (got '{o.Clustering}')");
        if (o.Storage is not ("lzma-shards" or "adonet")) errors.Add($"--storage must be 'lzma-shards' or 'adonet' (got '{o.Storage}')");
        if (o.UsesAdoNet && string.IsNullOrWhiteSpace(o.ConnectionString))
            errors.Add("--connection-string is required with --clustering adonet or --storage adonet");
        if (o.Kubernetes && o.Clustering != "adonet") errors.Add("--kubernetes needs --clustering adonet (pods come and go: membership must outlive any of them)");
        if (o.Clustering == "adonet" && !string.IsNullOrWhiteSpace(o.Primary))
            errors.Add("--primary only applies to --clustering localhost");
        if (!string.IsNullOrWhiteSpace(o.AdvertiseUrl) &&
            (!Uri.TryCreate(o.AdvertiseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.Query.Length > 0))
            errors.Add($"--advertise-url must be an absolute http(s) URL without a query (got '{o.AdvertiseUrl}')");
        if (!IPAddress.TryParse(o.AdvertiseIp, out _)) errors.Add($"--advertise-ip must be an IP address (got '{o.AdvertiseIp}')");
        if (o.MaxDocumentSize is < 1024 or > 1 << 30) errors.Add($"--max-document-size must be 1024–1073741824 bytes (got {o.MaxDocumentSize})");
        if (o.MaxAttachmentBytes is < 1 or > MaxAttachmentLimit)
            errors.Add($"--max-attachment-bytes must be 1–{MaxAttachmentLimit} bytes (got {o.MaxAttachmentBytes})");
        if (o.WriteQuorum < 0) errors.Add($"--write-quorum must be 0 (majority) or more (got {o.WriteQuorum})");
        if (o.Replicas < 0) errors.Add($"--replicas must be 1 or more (0 or absent = every mirror keeps a full copy; got {o.Replicas})");
        if (o.Replicas > 0 && o.Storage == "adonet") errors.Add("--replicas needs --storage lzma-shards (ADO.NET storage is one shared copy)");
        if (o.RebalanceRate < 1) errors.Add($"--rebalance-rate must be at least 1 record per second (got {o.RebalanceRate})");
        if (!(o.ReplicationTimeoutSeconds > 0 && o.ReplicationTimeoutSeconds <= 3600))
            errors.Add($"--replication-timeout-seconds must be more than 0 and at most 3600 (got {o.ReplicationTimeoutSeconds})");
        if (!(o.TombstoneHorizonSeconds >= 1 && o.TombstoneHorizonSeconds <= 10 * 365 * 86400))
            errors.Add($"--tombstone-horizon-seconds must be 1 to 315360000 (got {o.TombstoneHorizonSeconds})");
        if (o.HistoryDepth is < 0 or > Grains.MirrorGrainOptions.MaxHistoryDepth)
            errors.Add($"--history-depth must be 0 to {Grains.MirrorGrainOptions.MaxHistoryDepth} (got {o.HistoryDepth})");
        if (!(o.AntiEntropySeconds >= 0 && o.AntiEntropySeconds <= 86400))
            errors.Add($"--anti-entropy-seconds must be 0 (off) to 86400 (got {o.AntiEntropySeconds})");
        if (!(o.UnavailableRetrySeconds >= 0 && o.UnavailableRetrySeconds <= 600))
            errors.Add($"--unavailable-retry-seconds must be 0 to 600 (got {o.UnavailableRetrySeconds})");
        ValidateSecurity(o, errors);
        return errors;
    }

    /// <summary>
    /// The integer options as given (command line, environment or appsettings, before binding): decimal digits, with a
    /// leading '-' left to the range checks of <see cref="Validate"/>. The configuration binder alone would read
    /// <c>0x2</c> as hexadecimal and <c>+2</c> or <c> 2 </c> as 2.
    /// </summary>
    public static List<string> ValidateIntegers(IConfiguration section)
    {
        var errors = new List<string>();
        foreach (var property in typeof(MirrorOptions).GetProperties())
        {
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if ((type != typeof(int) && type != typeof(long)) || !property.CanWrite) continue;
            if (section[property.Name] is not { } value) continue;
            if (!IsDecimal(value))
                errors.Add($"{CommandLine.OptionOf(property.Name)} must be a whole number in decimal digits (got '{value}')");
            else if (type == typeof(int) ? !int.TryParse(value, out _) : !long.TryParse(value, out _))
                errors.Add($"{CommandLine.OptionOf(property.Name)} is out of range (got '{value}')");
        }
        return errors;
    }

    private static bool IsDecimal(string value)
    {
        var digits = value.AsSpan(value.StartsWith('-') ? 1 : 0);
        return !digits.IsEmpty && !digits.ContainsAnyExceptInRange('0', '9');
    }

    /// <summary>The gateway's security settings: authentication may be off only on a loopback address.</summary>
    private static void ValidateSecurity(MirrorOptions o, List<string> errors)
    {
        if (!o.AuthenticationEnabled && !o.ListensOnLoopbackOnly)
            errors.Add($"--http-host '{o.HttpHost}' is not a loopback address and no --api-keys-file is given: anyone on the network " +
                "could read and write every database. Give --api-keys-file FILE (deploy/SECURITY.md), or listen on 127.0.0.1.");
        if (o.AuthenticationEnabled && !File.Exists(o.ApiKeysFile))
            errors.Add($"--api-keys-file '{o.ApiKeysFile}' does not exist");
        bool cert = !string.IsNullOrWhiteSpace(o.TlsCert);
        if (cert && !File.Exists(o.TlsCert)) errors.Add($"--tls-cert '{o.TlsCert}' does not exist");
        if (!string.IsNullOrWhiteSpace(o.TlsKey))
        {
            if (!cert) errors.Add("--tls-key needs --tls-cert");
            else if (!File.Exists(o.TlsKey)) errors.Add($"--tls-key '{o.TlsKey}' does not exist");
        }
        if (!cert && !string.IsNullOrEmpty(o.TlsCertPassword)) errors.Add("TlsCertPassword is set but --tls-cert is not");
        if (o.RateLimit is double rate && !(rate >= 0 && rate <= 1_000_000))
            errors.Add($"--rate-limit must be 0 (off) to 1000000 requests/s (got {rate})");
        if (o.RateLimitBurst is int burst && burst is < 1 or > 1_000_000)
            errors.Add($"--rate-limit-burst must be 1–1000000 (got {burst})");
        if (o.MaxConnections < 0) errors.Add($"--max-connections must be 0 (no limit) or more (got {o.MaxConnections})");
    }

    public static bool TryParseEndpoint(string text, out IPEndPoint endpoint)
    {
        endpoint = null!;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port)
            || port is < 1 or > 65535)
            return false;
        string host = text[..colon].Trim('[', ']');
        IPAddress? address = host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host, out var a) ? a : null;
        if (address is null) return false;
        endpoint = new IPEndPoint(address, port);
        return true;
    }

    private static void CheckPort(List<string> errors, string option, int port)
    {
        if (port is < 1 or > 65535) errors.Add($"{option} must be 1–65535 (got {port})");
    }

    private static bool IsName(string? s) =>
        !string.IsNullOrEmpty(s) && s.Length <= 100 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
