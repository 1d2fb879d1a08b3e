using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MyNoSql.Silo.Security;

/// <summary>
/// The gateway's TLS certificate: a PEM certificate with its key (<c>--tls-key</c> or the same file, optionally
/// encrypted) or a PKCS#12 file. Kestrel asks for it on every handshake; the files are checked for changes at most
/// every 10 s, so a renewed certificate is served without a restart (an unreadable renewal keeps the old one).
/// </summary>
internal sealed partial class TlsCertificateStore
{
    private const long CheckIntervalMs = 10_000;
    private readonly string _cert;
    private readonly string? _key;
    private readonly string? _password;
    private readonly Lock _gate = new();
    private ILogger? _logger;
    private X509Certificate2 _current;
    private (DateTime, DateTime) _version;
    private long _nextCheck;

    /// <exception cref="FormatException">A file is not a certificate with its private key (message names it).</exception>
    public TlsCertificateStore(string cert, string? key, string? password)
    {
        _cert = Path.GetFullPath(cert);
        _key = string.IsNullOrWhiteSpace(key) ? null : Path.GetFullPath(key);
        _password = string.IsNullOrEmpty(password) ? null : password;
        _version = Version();
        _current = Load(_cert, _key, _password);
        _nextCheck = Environment.TickCount64 + CheckIntervalMs;
    }

    public X509Certificate2 Current
    {
        get
        {
            Refresh();
            return Volatile.Read(ref _current);
        }
    }

    /// <summary>Set once the host's logging is up (the certificate is loaded before, to fail fast).</summary>
    public void UseLogger(ILogger logger) => _logger = logger;

    /// <summary>Loads a certificate with its private key.</summary>
    /// <exception cref="FormatException">Not a certificate with a usable private key; the message names the file.</exception>
    public static X509Certificate2 Load(string cert, string? key, string? password)
    {
        X509Certificate2 loaded;
        try
        {
            bool pem = !IsPkcs12Name(cert) && File.ReadAllText(cert).Contains("-----BEGIN", StringComparison.Ordinal);
            if (pem)
            {
                loaded = password is null
                    ? X509Certificate2.CreateFromPemFile(cert, key)
                    : X509Certificate2.CreateFromEncryptedPemFile(cert, password, key);
            }
            else
            {
                loaded = X509CertificateLoader.LoadPkcs12FromFile(cert, password);
            }
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"TLS certificate '{cert}'{(key is null ? "" : $" with key '{key}'")} could not be loaded: {e.Message}", e);
        }
        if (!loaded.HasPrivateKey)
        {
            loaded.Dispose();
            throw new FormatException($"TLS certificate '{cert}' has no private key: give --tls-key, or a PEM file or .pfx holding both.");
        }
        return loaded;
    }

    private static bool IsPkcs12Name(string path) =>
        path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);

    private void Refresh()
    {
        long now = Environment.TickCount64;
        if (now < Volatile.Read(ref _nextCheck)) return;
        lock (_gate)
        {
            if (now < _nextCheck) return;
            _nextCheck = now + CheckIntervalMs;
            try
            {
                var version = Version();
                if (version == _version) return;
                _version = version;
                var fresh = Load(_cert, _key, _password);
                Volatile.Write(ref _current, fresh); // the old one may still serve a handshake: left to the GC
                if (_logger is not null) LogReloaded(_logger, _cert, fresh.Subject, fresh.NotAfter);
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                if (_logger is not null) LogReloadFailed(_logger, _cert, e.Message);
            }
        }
    }

    private (DateTime, DateTime) Version() =>
        (File.GetLastWriteTimeUtc(_cert), _key is null ? default : File.GetLastWriteTimeUtc(_key));

    [LoggerMessage(EventId = 3020, Level = LogLevel.Information, Message = "TLS certificate reloaded from {Path}: {Subject}, valid until {NotAfter:u}")]
    private static partial void LogReloaded(ILogger logger, string path, string subject, DateTime notAfter);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Error, Message = "TLS certificate {Path} could not be reloaded; the previous one stays in use: {Reason}")]
    private static partial void LogReloadFailed(ILogger logger, string path, string reason);
}
