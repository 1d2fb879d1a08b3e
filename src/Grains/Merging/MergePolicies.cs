using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Documents;
using Orleans.Serialization;

namespace MyNoSql.Grains.Merging;

/// <summary>
/// This silo's view of the databases' merge policies: the durable copy it keeps in its own store (so the cluster-wide
/// <see cref="IMergePolicyGrain"/> finds the newest policy wherever it activates) and a short cache the record grains
/// read when a conflict appears (never on the no-conflict path). A policy pushed to this silo replaces the cached one at
/// once; otherwise a cached policy is asked again from the grain after <see cref="CacheTime"/>. Thread-safe.
/// </summary>
internal sealed partial class MergePolicies(IServiceProvider services, IGrainFactory grains, Serializer serializer, ILogger<MergePolicies> logger)
{
    /// <summary>How long a policy read from the cluster is used before it is asked again.</summary>
    public static readonly TimeSpan CacheTime = TimeSpan.FromSeconds(5);

    private const string KeyPrefix = "mergepolicy-copy/";
    private readonly MirrorStoreHost? _host = services.GetService<MirrorStoreHost>();
    private readonly ConcurrentDictionary<string, Cached> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, MergePolicyInfo> _memory = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _write = new(1, 1);

    /// <summary>The policy a conflict of <paramref name="database"/> is resolved by; null when there is none (or it is empty).</summary>
    public async Task<MergePolicy?> ForConflictAsync(string database, CancellationToken cancellationToken = default)
    {
        if (_cache.TryGetValue(database, out var cached) && DateTime.UtcNow - cached.At < CacheTime) return cached.Policy;
        var info = await grains.GetGrain<IMergePolicyGrain>(database).Get(cancellationToken).ConfigureAwait(true);
        return Note(database, info);
    }

    /// <summary>The policy this silo holds for <paramref name="database"/> (<see cref="MergePolicyInfo.None"/> when none).</summary>
    public async Task<MergePolicyInfo> KnownAsync(string database, CancellationToken cancellationToken = default)
    {
        if (_host is null) return _memory.GetValueOrDefault(database, MergePolicyInfo.None);
        var store = await _host.Store.ConfigureAwait(false);
        var (payload, _) = await store.ReadStateAsync(KeyPrefix + database, cancellationToken).ConfigureAwait(false);
        return payload is { Length: > 0 } bytes && serializer.Deserialize<MergePolicyState>(bytes.Span) is { } state ? state.ToInfo() : MergePolicyInfo.None;
    }

    /// <summary>Keeps <paramref name="policy"/> durably unless this silo holds a newer one; the cache takes it at once.</summary>
    public async Task ApplyAsync(string database, MergePolicyInfo policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!DatabaseName.IsValid(database)) throw new ArgumentException($"'{database}' is not a valid database name.", nameof(database));
        await _write.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var known = await KnownAsync(database, cancellationToken).ConfigureAwait(false);
            if (policy.Stamp <= known.Stamp)
            {
                Note(database, known);
                return;
            }
            if (_host is null) _memory[database] = policy;
            else
            {
                var store = await _host.Store.ConfigureAwait(false);
                string key = KeyPrefix + database;
                var (_, etag) = await store.ReadStateAsync(key, cancellationToken).ConfigureAwait(false);
                // Only this class writes the key, under _write, so the ETag just read still holds.
                await store.WriteStateAsync(key, etag, serializer.SerializeToArray(MergePolicyState.Of(policy)), cancellationToken).ConfigureAwait(false);
            }
            Note(database, policy);
            LogApplied(database, policy.Stamp);
        }
        finally
        {
            _write.Release();
        }
    }

    private MergePolicy? Note(string database, MergePolicyInfo info)
    {
        MergePolicy? policy = null;
        try
        {
            policy = MergePolicyInfos.ToPolicy(info);
        }
        catch (ArgumentException e)
        {
            LogUnreadable(database, e.Message);
        }
        if (policy is { IsEmpty: true }) policy = null;
        _cache[database] = new Cached(policy, DateTime.UtcNow);
        return policy;
    }

    private sealed record Cached(MergePolicy? Policy, DateTime At);

    [LoggerMessage(EventId = 2800, Level = LogLevel.Information, Message = "Database '{Database}': merge policy stamped {Stamp} kept on this mirror")]
    private partial void LogApplied(string database, long stamp);

    [LoggerMessage(EventId = 2801, Level = LogLevel.Warning, Message = "Database '{Database}': merge policy not usable: {Problem}")]
    private partial void LogUnreadable(string database, string problem);
}
