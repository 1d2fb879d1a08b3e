using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MyNoSql.Storage.Diagnostics;
using MyNoSql.Local;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Sync;

/// <summary>
/// A peer's sync rounds against its mirrors: push the outbox in batches, poll, pull index changes since the
/// checkpoint and fetch what changed. Outbox and checkpoint advance after every batch (both are on disk), so an
/// interrupted round resumes where it stopped. Mirrors are tried in turn (the one that worked last first).
/// </summary>
internal sealed partial class SyncEngine : IDisposable
{
    private const int PushBatch = 1000;
    private const long PushBatchBytes = 8 << 20;
    private const int PageLimit = 5000;
    private const int FetchBatch = 500;
    private const int PushInFlight = 3;
    private const int FetchInFlight = 4;
    private static readonly TimeSpan DiscoveryInterval = TimeSpan.FromMinutes(10);

    private readonly DocumentStore _store;
    private readonly Func<PeerMetadata> _metadata;
    private readonly Func<Action<PeerMetadata>, CancellationToken, Task> _update;
    private readonly IReadOnlyList<string> _prefixes;
    // Built on first use: a database that never syncs over HTTP (no mirrors yet, or orleans:// only) does not load the
    // HTTP stack while it opens (a first HttpClient costs a new process 35–38 ms on this machine).
    private readonly Lazy<HttpSyncTransport> _http;
    private readonly FrozenDictionary<string, Func<ISyncTransport>> _transports;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ISyncTransport?> _others = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _round = new(1, 1);
    private readonly IProgress<SyncProgress>? _progress;
    private long _pulled;
    private long _fetched;
    private readonly Lock _statusGate = new();
    private DateTimeOffset? _lastSuccess;
    private string? _mirrorInUse;
    private string? _lastError;
    private DateTimeOffset _lastDiscovery = DateTimeOffset.MinValue;
    // Checkpoint resets (an on-demand copy from a mirror other than the checkpoint's, a switch to Mirror mode): a pull
    // running meanwhile must not save its checkpoint over the reset.
    private int _checkpointResets;
    private readonly MirrorHealth _health;
    // Cancelled on dispose: ends the background re-checks of mirrors that are down.
    private readonly CancellationTokenSource _closing = new();
    private readonly TimeProvider _clock;
    private readonly TimeSpan _readFreshness;
    private readonly TimeSpan _readProbeTimeout;
    private readonly TimeSpan _pruneAfter;
    private readonly TimeSpan _seenResolution;
    private readonly ILogger _log;
    // Start of the last complete pull: every change the mirrors' index held then is merged (ticks of UTC; 0 = none yet).
    private long _pulledAtTicks;
    // Records fetched for a read since the last complete pull, with when their fetch started.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _refreshed = new(StringComparer.Ordinal);

    public SyncEngine(DocumentStore store, Func<PeerMetadata> metadata, Func<Action<PeerMetadata>, CancellationToken, Task> update, MyNoSqlOptions options)
    {
        _store = store;
        _metadata = metadata;
        _update = update;
        _prefixes = [.. options.SyncPrefixes];
        _progress = options.SyncProgress;
        _http = new(() => new HttpSyncTransport(options), LazyThreadSafetyMode.ExecutionAndPublication);
        _transports = options.Transports.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _clock = options.TimeProvider;
        _health = new MirrorHealth(_clock);
        _readFreshness = options.ReadFreshness;
        _readProbeTimeout = options.ReadProbeTimeout < options.SyncRequestTimeout ? options.ReadProbeTimeout : options.SyncRequestTimeout;
        _pruneAfter = options.MirrorPruneAfter;
        _log = options.LoggerFactory?.CreateLogger("MyNoSql.Sync") ?? NullLogger.Instance;
        // Last-seen times are rewritten at most this often: a metadata write per discovery would be wasted.
        _seenResolution = _pruneAfter == Timeout.InfiniteTimeSpan || _pruneAfter > TimeSpan.FromHours(4) ? TimeSpan.FromHours(1) : _pruneAfter / 4;
        LoadStatus(metadata());
    }

    /// <summary>The transports of schemes other than http/https, from the options the database was opened with.</summary>
    public IReadOnlyDictionary<string, Func<ISyncTransport>> Transports => _transports;

    public (DateTimeOffset? LastSuccess, string? MirrorInUse, string? LastError) Status
    {
        get { lock (_statusGate) return (_lastSuccess, _mirrorInUse, _lastError); }
    }

    /// <summary>Called inside a metadata update (under its lock): the next pull starts from the beginning, and a pull
    /// running now does not save its checkpoint over this.</summary>
    public void ResetCheckpoint(PeerMetadata m)
    {
        Interlocked.Increment(ref _checkpointResets);
        m.SyncCheckpoint = null;
        m.SyncCheckpointMirror = null;
    }

    /// <summary>One whole round against the first mirror that works.</summary>
    /// <exception cref="MyNoSqlException">No mirror is known or none could be reached.</exception>
    /// <exception cref="CredentialRejectedException">A mirror answered 401/403: the round stopped there.</exception>
    public async Task RunAsync(CancellationToken ct)
    {
        using var activity = MyNoSqlMetrics.Activities.StartActivity("mynosql.sync");
        activity?.SetTag("db", _store.Name);
        string result = "failed";
        try
        {
            await RunRoundAsync(ct).ConfigureAwait(false);
            result = "ok";
        }
        catch (CredentialRejectedException)
        {
            result = "rejected";
            throw;
        }
        finally
        {
            MyNoSqlMetrics.SyncRounds.Add(1, MyNoSqlMetrics.Db(_store.Name), new("result", result));
            activity?.SetTag("result", result);
        }
    }

    private async Task RunRoundAsync(CancellationToken ct)
    {
        await _round.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var errors = new List<string>();
            string? readOnly = null;
            // Writable mirrors first: a read-only one (DESIGN §9) refuses the push but can still serve the pull.
            foreach (var mirror in Ordered().OrderBy(IsKnownReadOnly))
            {
                try
                {
                    if (IsKnownReadOnly(mirror))
                    {
                        readOnly ??= mirror;
                        continue;
                    }
                    await RoundAsync(mirror, pullOnly: false, ct).ConfigureAwait(false);
                    Succeeded(mirror);
                    return;
                }
                catch (MirrorReadOnlyException e)
                {
                    SyncLog.ReadOnlyMirror(_log, _store.Name, mirror);
                    _readOnlyUntil[mirror] = _clock.GetUtcNow() + ReadOnlyRecheck;
                    readOnly ??= mirror;
                    errors.Add(e.Message);
                }
                catch (MirrorUnavailableException e)
                {
                    _health.Failed(mirror);
                    errors.Add(e.Message);
                }
                catch (MirrorRejectedCredentialException e)
                {
                    // Keys are cluster-wide: another mirror would say the same. Stop, keep the outbox, say why.
                    string rejected = CredentialMessage(e);
                    RecordError(rejected);
                    SyncLog.CredentialRejected(_log, rejected);
                    throw new CredentialRejectedException(rejected, e.Mirror, e.StatusCode);
                }
            }
            if (readOnly is not null && await PullOnlyRoundAsync(readOnly, errors, ct).ConfigureAwait(false)) return;
            string message = errors.Count == 0
                ? $"Database '{_store.Name}': no mirror is known; call AddPeerAsync(\"http://host:8800\") first."
                : $"Database '{_store.Name}': no mirror could be reached ({_store.Records.PendingCount} writes stay in the outbox): {string.Join("; ", errors)}";
            RecordError(message);
            SyncLog.RoundFailed(_log, message);
            throw new MyNoSqlException(message);
        }
        finally
        {
            await SaveStatusAsync(ct).ConfigureAwait(false); // whatever the outcome (pull-only, rejected, failed)
            _round.Release();
        }
    }

    private void Succeeded(string mirror)
    {
        SyncLog.RoundDone(_log, _store.Name, mirror, _store.Records.PendingCount, _pulled, _fetched);
        _health.Succeeded(mirror);
        lock (_statusGate)
        {
            _lastSuccess = DateTimeOffset.UtcNow;
            _mirrorInUse = mirror;
            _lastError = Interlocked.Exchange(ref _roundWarning, null); // what the round left undone, else none
        }
    }

    private string CredentialMessage(MirrorRejectedCredentialException e) =>
        $"Database '{_store.Name}': credential rejected by {e.Mirror} ({(e.StatusCode == 0 ? "" : e.StatusCode + " ")}{e.Reason}); " +
        $"the sync round stopped and {_store.Records.PendingCount} writes stay in the outbox. Fix MyNoSqlOptions.ApiKey or the mirror's API key file; the next round resumes.";

    public void RecordError(string message)
    {
        lock (_statusGate) _lastError = message;
    }

    public void Dispose()
    {
        _closing.Cancel();
        if (_http.IsValueCreated) _http.Value.Dispose();
        foreach (var t in _others.Values) t?.Dispose();
        _round.Dispose();
        _closing.Dispose();
    }

    /// <summary>HTTP for http/https; the options' transport for other schemes (orleans://).</summary>
    private ISyncTransport Transport(string mirror)
    {
        string scheme = mirror[..Math.Max(0, mirror.IndexOf("://", StringComparison.Ordinal))];
        if (scheme is "http" or "https") return _http.Value;
        return _others.GetOrAdd(scheme, s => _transports.TryGetValue(s, out var create) ? create() : null)
            ?? throw new MirrorUnavailableException($"{mirror}: no transport for {scheme}:// is registered (orleans:// needs the MyNoSql.PeerClient.Orleans package: call options.UseOrleans() before opening the database)");
    }

    private void Report(bool more)
    {
        if (_progress is null) return;
        var (sent, fetched) = BodyBytes;
        try { _progress.Report(new SyncProgress(_store.Records.PendingCount, _pulled, _fetched, more) { AttachmentBytesSent = sent, AttachmentBytesFetched = fetched }); }
        catch (Exception e) when (e is not OutOfMemoryException) { RecordError($"The SyncProgress handler failed: {e.Message}"); }
    }

    /// <summary>One round against <paramref name="mirror"/>; with <paramref name="pullOnly"/> (a read-only mirror)
    /// neither the outbox nor a changed merge policy is sent.</summary>
    private async Task RoundAsync(string mirror, bool pullOnly, CancellationToken ct)
    {
        _pulled = 0;
        _fetched = 0;
        Interlocked.Exchange(ref _bodyBytesSent, 0);
        Interlocked.Exchange(ref _roundWarning, null);
        Interlocked.Exchange(ref _bodyBytesFetched, 0);
        if (DateTimeOffset.UtcNow - _lastDiscovery > DiscoveryInterval)
        {
            var others = await Transport(mirror).GetMirrorsAsync(mirror, ct).ConfigureAwait(false);
            _lastDiscovery = DateTimeOffset.UtcNow;
            await RememberAsync(others, ct).ConfigureAwait(false);
            await NoteSeenAsync([mirror, .. others], ct).ConfigureAwait(false);
        }
        if (!pullOnly || !_metadata().MergePolicyDirty) await ExchangePolicyAsync(mirror, ct).ConfigureAwait(false);
        if (!pullOnly)
        {
            var conflicts = await PushAsync(mirror, ct).ConfigureAwait(false);
            if (conflicts.Count > 0)
            {
                SyncLog.PushConflicts(_log, _store.Name, mirror, conflicts.Count, conflicts[0]);
                MyNoSqlMetrics.Conflicts.Add(conflicts.Count, MyNoSqlMetrics.Db(_store.Name));
            }
            // A pushed edit that conflicted: learn the other branch now (the winner may not change, so the index may not say).
            for (int i = 0; i < conflicts.Count; i += FetchBatch)
                await FetchAndMergeAsync(mirror, conflicts.Skip(i).Take(FetchBatch).ToList(), ct, bodies: _metadata().Mode == DbMode.Mirror).ConfigureAwait(false);
        }
        await PullAsync(mirror, ct).ConfigureAwait(false);
    }
}
