using System.Security.Cryptography;

namespace MyNoSql.Silo.Security;

/// <summary>
/// The keys in force, read from the key file and read again when it changes (checked at most once a second, on
/// the request path: a stat, no watcher thread), so a key is revoked or added without a restart. A file that
/// becomes invalid is reported and the previous keys stay in force; a valid file replaces them at once.
/// </summary>
internal sealed partial class ApiKeyStore
{
    private static readonly long CheckIntervalMs = 1000;
    private readonly string _path;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private IReadOnlyList<ApiKey> _keys;
    private (DateTime Modified, long Length) _version;
    private long _nextCheck;

    /// <summary>Loads <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">The file is invalid (message names the file and entry).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public ApiKeyStore(string path, ILogger logger, TimeProvider time)
    {
        _path = System.IO.Path.GetFullPath(path);
        _logger = logger;
        _time = time;
        _version = Version();
        _keys = ApiKeyFile.Load(_path);
        _nextCheck = Environment.TickCount64 + CheckIntervalMs;
        LogLoaded(_logger, _path, _keys.Count);
    }

    public string FilePath => _path;

    /// <summary>The key whose SHA-256 matches <paramref name="presented"/>, or null. Every stored hash is compared in
    /// constant time, so timing tells nothing about how close a guess was.</summary>
    public ApiKey? Find(string presented)
    {
        Refresh();
        byte[] hash = ApiKeyFile.Hash(presented);
        ApiKey? found = null;
        foreach (var key in Volatile.Read(ref _keys))
        {
            if (CryptographicOperations.FixedTimeEquals(key.Hash, hash)) found = key;
        }
        return found;
    }

    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>Reads the file again if it changed since the last look (at most once per second).</summary>
    public void Refresh(bool force = false)
    {
        long now = Environment.TickCount64;
        if (!force && now < Volatile.Read(ref _nextCheck)) return;
        lock (_gate)
        {
            if (!force && now < _nextCheck) return;
            _nextCheck = now + CheckIntervalMs;
            (DateTime, long) version;
            try
            {
                version = Version();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogReloadFailed(_logger, _path, e.Message);
                return;
            }
            if (version == _version) return;
            try
            {
                var keys = ApiKeyFile.Load(_path);
                Volatile.Write(ref _keys, keys);
                _version = version;
                LogLoaded(_logger, _path, keys.Count);
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                // Remember the broken version so the error is logged once per change, not once per second.
                _version = version;
                LogReloadFailed(_logger, _path, e.Message);
            }
        }
    }

    private (DateTime, long) Version()
    {
        var info = new FileInfo(_path);
        if (!info.Exists) throw new FileNotFoundException($"the file does not exist", _path);
        return (info.LastWriteTimeUtc, info.Length);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "API keys loaded from {Path}: {Count} keys")]
    private static partial void LogLoaded(ILogger logger, string path, int count);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "API key file {Path} could not be loaded; the previous keys stay in force: {Reason}")]
    private static partial void LogReloadFailed(ILogger logger, string path, string reason);
}
