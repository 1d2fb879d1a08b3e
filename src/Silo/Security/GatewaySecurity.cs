using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using MyNoSql.Silo.Configuration;

namespace MyNoSql.Silo.Security;

/// <summary>
/// Wires the gateway's security (deploy/SECURITY.md): API keys, TLS, Kestrel limits and rate limiting. Files are
/// loaded before the silo starts, so a bad key file or certificate stops the mirror at once with the reason.
/// </summary>
internal static partial class GatewaySecurity
{
    /// <summary>Checks the key file and certificate and registers the services; returns the problems found.</summary>
    public static List<string> Configure(WebApplicationBuilder builder, MirrorOptions options)
    {
        var problems = new List<string>();
        if (options.AuthenticationEnabled)
        {
            try
            {
                _ = ApiKeyFile.Load(options.ApiKeysFile!);
                string path = options.ApiKeysFile!;
                builder.Services.AddSingleton(sp => new ApiKeyStore(path, sp.GetRequiredService<ILogger<ApiKeyStore>>(), TimeProvider.System));
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                problems.Add(e.Message);
            }
        }
        TlsCertificateStore? tls = null;
        if (!string.IsNullOrWhiteSpace(options.TlsCert))
        {
            try
            {
                tls = new TlsCertificateStore(options.TlsCert, options.TlsKey, options.TlsCertPassword);
                builder.Services.AddSingleton(tls);
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                problems.Add(e.Message);
            }
        }
        if (options.EffectiveRateLimit > 0) builder.Services.AddRateLimiter(_ => { });
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            ConfigureLimits(k.Limits, options);
            void Https(ListenOptions listen)
            {
                if (tls is not null)
                    listen.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificateSelector = (_, _) => tls.Current });
            }
            switch (options.HttpHost)
            {
                case "*": k.ListenAnyIP(options.HttpPort, Https); break;
                case "localhost": k.ListenLocalhost(options.HttpPort, Https); break;
                default: k.Listen(System.Net.IPAddress.Parse(options.HttpHost), options.HttpPort, Https); break;
            }
        });
        return problems;
    }

    /// <summary>
    /// Limits against slow or greedy clients. Bodies: the document routes allow <c>--max-document-size</c>, sync push
    /// 64 MiB, fetch 1 MiB, each answering 413 with the JSON body beyond that (Gateway/RequestBody); Kestrel's default
    /// cap (30 MB) stays for the rest, so a body refused early by its Content-Length is still drained and the client
    /// reads its 413 instead of a reset connection.
    /// </summary>
    private static void ConfigureLimits(KestrelServerLimits limits, MirrorOptions options)
    {
        // Kestrel answers a longer request line with a bare 414; up to 64 KiB the gateway gives its JSON 400 (ids are ≤ 512
        // bytes, but a hostile 10,000-character id must still get the JSON error).
        limits.MaxRequestLineSize = 64 << 10;
        limits.MaxRequestHeadersTotalSize = 32 * 1024;
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(120);
        limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(10));
        limits.MinResponseDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(10));
        limits.MaxConcurrentConnections = options.MaxConnections == 0 ? null : options.MaxConnections;
        limits.MaxConcurrentUpgradedConnections = 0;
    }

    /// <summary>Adds authentication, rate limiting, authorization and the read-only check after routing (so rules see the endpoint).</summary>
    public static void UsePipeline(WebApplication app, MirrorOptions options)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewaySecurity).FullName!);
        app.Services.GetService<TlsCertificateStore>()?.UseLogger(logger);
        var keys = app.Services.GetService<ApiKeyStore>();
        if (keys is not null) app.UseMiddleware<AuthenticationMiddleware>(keys);
        double rate = options.EffectiveRateLimit;
        if (rate > 0) app.UseRateLimiter(GatewayRateLimiter.Create(rate, options.EffectiveRateLimitBurst));
        if (keys is not null) app.UseMiddleware<AuthorizationMiddleware>();
        if (options.ReadOnly)
        {
            app.UseMiddleware<ReadOnlyMiddleware>();
            LogReadOnly(logger);
        }

        string tls = options.TlsCert is { Length: > 0 } ? "TLS" : "plain HTTP";
        if (keys is null) LogOpen(logger, options.HttpHost, tls);
        else
        {
            LogAuthOn(logger, keys.FilePath, tls, rate);
            if (options.TlsCert is not { Length: > 0 } && !options.ListensOnLoopbackOnly) LogClearText(logger, options.HttpHost);
        }
    }

    [LoggerMessage(EventId = 3030, Level = LogLevel.Information, Message = "HTTP gateway without authentication ({Host} is loopback; {Transport})")]
    private static partial void LogOpen(ILogger logger, string host, string transport);

    [LoggerMessage(EventId = 3031, Level = LogLevel.Information, Message = "HTTP gateway: API keys from {Path}, {Transport}, rate limit {Rate}/s per client")]
    private static partial void LogAuthOn(ILogger logger, string path, string transport, double rate);

    [LoggerMessage(EventId = 3033, Level = LogLevel.Information, Message = "Read-only mirror (--read-only): serves reads, queries and sync pulls; the gateway refuses writes with 403 read_only")]
    private static partial void LogReadOnly(ILogger logger);

    [LoggerMessage(EventId = 3032, Level = LogLevel.Warning, Message = "HTTP gateway listens on {Host} without TLS: API keys cross the network in clear text; give --tls-cert")]
    private static partial void LogClearText(ILogger logger, string host);
}
