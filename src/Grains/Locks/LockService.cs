using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MyNoSql.Grains.Storage;
using Orleans.Serialization;
using Orleans.Storage;

namespace MyNoSql.Grains.Locks;

/// <summary>
/// <see cref="ILockService"/>: one per silo. Keeps the newest copy of each lock's state in this silo's own store
/// (key <c>lock-copy/{db}/{name}</c>, written with the store's ETag check, so two concurrent applies never let an older
/// copy overwrite a newer one, in <see cref="LockOrder"/>), or in memory when the silo has no store of its own.
/// </summary>
internal sealed partial class LockService : GrainService, ILockService
{
    private const string KeyPrefix = "lock-copy/";
    private const int MaxAttempts = 8;
    private readonly MirrorStoreHost? _host;
    private readonly Serializer _serializer;
    private readonly ConcurrentDictionary<string, LockRecord> _memory = new(StringComparer.Ordinal);
    private readonly ILogger<LockService> _logger;

    public LockService(GrainId grainId, Silo silo, ILoggerFactory loggerFactory, IServiceProvider services)
        : base(grainId, silo, loggerFactory)
    {
        _host = services.GetService<MirrorStoreHost>();
        _serializer = services.GetRequiredService<Serializer>();
        _logger = loggerFactory.CreateLogger<LockService>();
    }

    public async Task<LockRecord?> Get(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_host is null) return _memory.GetValueOrDefault(key);
        var store = await _host.Store;
        var (payload, _) = await store.ReadStateAsync(KeyPrefix + key, cancellationToken);
        return Decode(payload);
    }

    public async Task Apply(string key, LockRecord state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(state);
        if (_host is null)
        {
            _memory.AddOrUpdate(key, state, (_, held) => LockOrder.Supersedes(state, held) ? state : held);
            return;
        }
        var store = await _host.Store;
        string stored = KeyPrefix + key;
        for (int attempt = 1; ; attempt++)
        {
            var (payload, etag) = await store.ReadStateAsync(stored, cancellationToken);
            if (!LockOrder.Supersedes(state, Decode(payload))) return;
            try
            {
                await store.WriteStateAsync(stored, etag, _serializer.SerializeToArray(state), cancellationToken);
                return;
            }
            catch (InconsistentStateException) when (attempt < MaxAttempts)
            {
                LogRaced(key, attempt); // another apply of the same lock wrote first: compare with it
            }
        }
    }

    private LockRecord? Decode(ReadOnlyMemory<byte>? payload) =>
        payload is { Length: > 0 } bytes ? _serializer.Deserialize<LockRecord>(bytes.Span) : null;

    [LoggerMessage(EventId = 2950, Level = LogLevel.Debug, Message = "Lock copy {Key} changed while it was applied (attempt {Attempt}); comparing again")]
    private partial void LogRaced(string key, int attempt);
}
