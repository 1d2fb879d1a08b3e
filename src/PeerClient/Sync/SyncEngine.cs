using System.Collections.Frozen;
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
    private readonly HttpSyncTransport _http;
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
    private readonly TimeProvider _clock;
    private readonly TimeSpan _readFreshness;
    private readonly TimeSpan _readProbeTimeout;
    private readonly TimeSpan _pruneAfter;
    private readonly TimeSpan _seenResolution;
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
        _http = new HttpSyncTransport(options);
        _transports = options.Transports.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _clock = options.TimeProvider;
        _health = new MirrorHealth(_clock);
        _readFreshness = options.ReadFreshness;
        _readProbeTimeout = options.ReadProbeTimeout < options.SyncRequestTimeout ? options.ReadProbeTimeout : options.SyncRequestTimeout;
        _pruneAfter = options.MirrorPruneAfter;
        // Last-seen times are rewritten at most this often: a metadata write per discovery would be wasted.
        _seenResolution = _pruneAfter == Timeout.InfiniteTimeSpan || _pruneAfter > TimeSpan.FromHours(4) ? TimeSpan.FromHours(1) : _pruneAfter / 4;
    }

    /// <summary>The transports of schemes other than http/https, from the options the database was opened with.</summary>
    public IReadOnlyDictionary<string, Func<ISyncTransport>> Transports => _transports;

    public (DateTimeOffset? LastSuccess, string? MirrorInUse, string? LastError) Status
    {
        get { lock (_statusGate) return (_lastSuccess, _mirrorInUse, _lastError); }
    }

    /// <summary>Remembers <paramref name="url"/> (even one removed before) and every mirror it reports; offline, just the URL.</summary>
    public async Task AddMirrorAsync(string url, CancellationToken ct)
    {
        IReadOnlyList<string> others = [];
        bool reached = false;
        try
        {
            others = await Transport(url).GetMirrorsAsync(url, ct).ConfigureAwait(false);
            _lastDiscovery = DateTimeOffset.UtcNow;
            _health.Succeeded(url);
            reached = true;
        }
        catch (MirrorUnavailableException e)
        {
            _health.Failed(url);
            RecordError(e.Message);
        }
        catch (MirrorRejectedCredentialException e)
        {
            RecordError(CredentialMessage(e));
        }
        await RememberAsync([url, .. others], ct, added: url).ConfigureAwait(false);
        if (reached) await NoteSeenAsync([url, .. others], ct).ConfigureAwait(false);
    }

    /// <summary>Forgets <paramref name="url"/> (persisted; discovery does not learn it again); false when it was not known.</summary>
    public async Task<bool> RemoveMirrorAsync(string url, CancellationToken ct)
    {
        bool known = false;
        await _update(m =>
        {
            known = m.Mirrors.RemoveAll(u => string.Equals(u, url, StringComparison.OrdinalIgnoreCase)) > 0;
            m.MirrorLastSeen.Remove(url);
            if (!m.RemovedMirrors.Contains(url, StringComparer.OrdinalIgnoreCase)) m.RemovedMirrors.Add(url);
        }, ct).ConfigureAwait(false);
        lock (_statusGate)
        {
            if (string.Equals(_mirrorInUse, url, StringComparison.OrdinalIgnoreCase)) _mirrorInUse = null;
        }
        _health.Succeeded(url);
        return known;
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
        await _round.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var errors = new List<string>();
            foreach (var mirror in Ordered())
            {
                try
                {
                    await RoundAsync(mirror, ct).ConfigureAwait(false);
                    _health.Succeeded(mirror);
                    lock (_statusGate)
                    {
                        _lastSuccess = DateTimeOffset.UtcNow;
                        _mirrorInUse = mirror;
                        _lastError = null;
                    }
                    return;
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
                    throw new CredentialRejectedException(rejected, e.Mirror, e.StatusCode);
                }
            }
            string message = errors.Count == 0
                ? $"Database '{_store.Name}': no mirror is known; call AddPeerAsync(\"http://host:8800\") first."
                : $"Database '{_store.Name}': no mirror could be reached ({_store.Records.PendingCount} writes stay in the outbox): {string.Join("; ", errors)}";
            RecordError(message);
            throw new MyNoSqlException(message);
        }
        finally
        {
            _round.Release();
        }
    }

    /// <summary>Fetches a record the peer does not hold from the mirrors not in back-off, in turn, and stores it; false
    /// when none answered.</summary>
    public async Task<bool> FetchOnDemandAsync(string id, CancellationToken ct)
    {
        var errors = new List<string>();
        foreach (var mirror in Reachable())
        {
            var started = _clock.GetUtcNow();
            try
            {
                var stored = await FetchAndMergeAsync(mirror, [id], ct).ConfigureAwait(false);
                _health.Succeeded(mirror);
                NoteRefreshed(id, started);
                lock (_statusGate) _mirrorInUse = mirror;
                var m = _metadata();
                if (stored.Count > 0 && m.SyncCheckpoint is not null && !string.Equals(m.SyncCheckpointMirror, mirror, StringComparison.OrdinalIgnoreCase))
                {
                    // This copy may be older than what the checkpoint (another mirror's) already covers, and no later change
                    // on that mirror would say so: the next pull re-reads the index from the start (fetching only what differs).
                    await _update(ResetCheckpoint, ct).ConfigureAwait(false);
                }
                return true;
            }
            catch (MirrorUnavailableException e)
            {
                _health.Failed(mirror);
                errors.Add(e.Message);
            }
            catch (MirrorRejectedCredentialException e)
            {
                RecordError(CredentialMessage(e) + $" Record '{id}' was not fetched.");
                return false;
            }
        }
        if (errors.Count > 0) RecordError($"Database '{_store.Name}': record '{id}' could not be fetched: {string.Join("; ", errors)}");
        return false;
    }

    /// <summary>
    /// True when a read of a record the peer holds must ask a mirror first (<see cref="MyNoSqlOptions.ReadFreshness"/>):
    /// neither the last complete pull nor a fetch of this record started within the freshness window.
    /// </summary>
    public bool NeedsRefresh(string id)
    {
        if (_readFreshness == Timeout.InfiniteTimeSpan) return false;
        var now = _clock.GetUtcNow();
        long pulled = Volatile.Read(ref _pulledAtTicks);
        // Pulls list only ids under SyncPrefixes (when set): a held record outside them is as fresh as its own fetch.
        bool listed = _prefixes.Count == 0 || _prefixes.Any(p => id.StartsWith(p, StringComparison.Ordinal));
        if (listed && pulled != 0 && now - new DateTimeOffset(pulled, TimeSpan.Zero) <= _readFreshness) return false;
        return !(_refreshed.TryGetValue(id, out var at) && now - at <= _readFreshness);
    }

    /// <summary>
    /// Asks the mirrors not in back-off, in turn, for a record the peer holds and merges what the first to answer has,
    /// all within <see cref="MyNoSqlOptions.ReadProbeTimeout"/> (a mirror that fails goes into back-off); false when
    /// none answered in time, so the caller answers from its local copy.
    /// </summary>
    public async Task<bool> RefreshAsync(string id, CancellationToken ct)
    {
        // One budget for the whole read, however many mirrors hang: the local copy is the answer after it.
        var deadline = DateTimeOffset.UtcNow + _readProbeTimeout; // a real time limit, whatever the clock of freshness
        foreach (var mirror in Reachable())
        {
            var started = DateTimeOffset.UtcNow;
            var asked = _clock.GetUtcNow();
            if (started >= deadline) break;
            try
            {
                // A held record needs no checkpoint reset: pulls list changes of every record the peer holds.
                await FetchAndMergeAsync(mirror, [id], ct, deadline - started).ConfigureAwait(false);
                _health.Succeeded(mirror);
                NoteRefreshed(id, asked);
                return true;
            }
            catch (MirrorUnavailableException e)
            {
                _health.Failed(mirror);
                RecordError($"Database '{_store.Name}': record '{id}' was read from the local copy: {e.Message}");
            }
            catch (MirrorRejectedCredentialException e)
            {
                RecordError(CredentialMessage(e) + $" Record '{id}' was read from the local copy.");
                return false;
            }
        }
        return false;
    }

    private void NoteRefreshed(string id, DateTimeOffset started)
    {
        if (_readFreshness == Timeout.InfiniteTimeSpan) return;
        // Bounded: a complete pull empties it anyway; past this size a read storm just fetches again.
        if (_refreshed.Count >= 100_000) _refreshed.Clear();
        _refreshed[id] = started;
    }

    /// <summary>A pull that began at <paramref name="started"/> completed: every read within the freshness window of it is fresh.</summary>
    private void NotePulled(DateTimeOffset started)
    {
        long ticks = started.UtcTicks;
        long seen = Volatile.Read(ref _pulledAtTicks);
        while (ticks > seen)
        {
            long was = Interlocked.CompareExchange(ref _pulledAtTicks, ticks, seen);
            if (was == seen) break;
            seen = was;
        }
        foreach (var (id, at) in _refreshed)
        {
            if (at <= started) _refreshed.TryRemove(new KeyValuePair<string, DateTimeOffset>(id, at));
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
        _http.Dispose();
        foreach (var t in _others.Values) t?.Dispose();
        _round.Dispose();
    }

    /// <summary>HTTP for http/https; the options' transport for other schemes (orleans://).</summary>
    private ISyncTransport Transport(string mirror)
    {
        string scheme = mirror[..Math.Max(0, mirror.IndexOf("://", StringComparison.Ordinal))];
        if (scheme is "http" or "https") return _http;
        return _others.GetOrAdd(scheme, s => _transports.TryGetValue(s, out var create) ? create() : null)
            ?? throw new MirrorUnavailableException($"{mirror}: no transport for {scheme}:// is registered (orleans:// needs the MyNoSql.PeerClient.Orleans package: call options.UseOrleans() before opening the database)");
    }

    /// <summary>Every known mirror: the one in use first, those in back-off last.</summary>
    private List<string> Ordered()
    {
        var mirrors = _metadata().Mirrors.ToList();
        string? inUse = Status.MirrorInUse;
        if (inUse is not null && mirrors.Remove(inUse)) mirrors.Insert(0, inUse);
        return [.. mirrors.OrderBy(_health.IsBackingOff)]; // a stable sort: the order above stays within each group
    }

    /// <summary>The mirrors a read may ask: those not in back-off.</summary>
    private IEnumerable<string> Reachable() => Ordered().Where(m => !_health.IsBackingOff(m));

    /// <summary>Adds the mirrors not known yet, except those the application removed (unless it adds one again: <paramref name="added"/>).</summary>
    private async Task RememberAsync(IEnumerable<string> urls, CancellationToken ct, string? added = null)
    {
        var normalized = new List<string>();
        foreach (var u in urls)
        {
            try { normalized.Add(MirrorUrl.Normalize(u, _transports)); }
            catch (ArgumentException) { }
        }
        var current = _metadata();
        normalized.RemoveAll(u => !string.Equals(u, added, StringComparison.OrdinalIgnoreCase) && current.RemovedMirrors.Contains(u, StringComparer.OrdinalIgnoreCase));
        if (normalized.All(u => current.Mirrors.Contains(u, StringComparer.OrdinalIgnoreCase))
            && (added is null || !current.RemovedMirrors.Contains(added, StringComparer.OrdinalIgnoreCase))) return;
        var now = _clock.GetUtcNow();
        await _update(m =>
        {
            if (added is not null) m.RemovedMirrors.RemoveAll(u => string.Equals(u, added, StringComparison.OrdinalIgnoreCase));
            foreach (var u in normalized)
            {
                // Checked again under the metadata lock: a RemovePeerAsync since the snapshot above wins.
                if (m.Mirrors.Contains(u, StringComparer.OrdinalIgnoreCase)
                    || !string.Equals(u, added, StringComparison.OrdinalIgnoreCase) && m.RemovedMirrors.Contains(u, StringComparer.OrdinalIgnoreCase)) continue;
                m.Mirrors.Add(u);
                m.MirrorLastSeen[u] = now; // the prune clock of a new mirror starts now
            }
        }, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// After a reachable mirror listed <paramref name="seen"/> (itself and every mirror it knows): those are seen now;
    /// a known mirror that none listed and that was not seen for <see cref="MyNoSqlOptions.MirrorPruneAfter"/> is
    /// dropped, never the last one.
    /// </summary>
    private async Task NoteSeenAsync(IEnumerable<string> seen, CancellationToken ct)
    {
        var seenSet = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var u in seen)
        {
            try { seenSet.Add(MirrorUrl.Normalize(u, _transports)); }
            catch (ArgumentException) { }
        }
        var now = _clock.GetUtcNow();
        bool prune = _pruneAfter != Timeout.InfiniteTimeSpan;
        var m0 = _metadata();
        bool Due(PeerMetadata m, string u) => seenSet.Contains(u)
            ? !m.MirrorLastSeen.TryGetValue(u, out var t) || now - t > _seenResolution
            : !m.MirrorLastSeen.TryGetValue(u, out var t2) || prune && now - t2 > _pruneAfter;
        if (!m0.Mirrors.Any(u => Due(m0, u))) return;
        await _update(m =>
        {
            foreach (var u in m.Mirrors)
            {
                // A mirror without a time (a file from before) starts its prune clock now.
                if (seenSet.Contains(u) || !m.MirrorLastSeen.ContainsKey(u)) m.MirrorLastSeen[u] = now;
            }
            if (prune)
            {
                foreach (var u in m.Mirrors.Where(u => now - m.MirrorLastSeen[u] > _pruneAfter).ToList())
                {
                    if (m.Mirrors.Count == 1) break;
                    m.Mirrors.Remove(u);
                }
            }
            foreach (var u in m.MirrorLastSeen.Keys.Where(u => !m.Mirrors.Contains(u, StringComparer.OrdinalIgnoreCase)).ToList())
                m.MirrorLastSeen.Remove(u);
        }, ct).ConfigureAwait(false);
    }

    private void Report(bool more)
    {
        if (_progress is null) return;
        try { _progress.Report(new SyncProgress(_store.Records.PendingCount, _pulled, _fetched, more)); }
        catch (Exception e) when (e is not OutOfMemoryException) { RecordError($"The SyncProgress handler failed: {e.Message}"); }
    }

    private async Task RoundAsync(string mirror, CancellationToken ct)
    {
        _pulled = 0;
        _fetched = 0;
        if (DateTimeOffset.UtcNow - _lastDiscovery > DiscoveryInterval)
        {
            var others = await Transport(mirror).GetMirrorsAsync(mirror, ct).ConfigureAwait(false);
            _lastDiscovery = DateTimeOffset.UtcNow;
            await RememberAsync(others, ct).ConfigureAwait(false);
            await NoteSeenAsync([mirror, .. others], ct).ConfigureAwait(false);
        }
        var conflicts = await PushAsync(mirror, ct).ConfigureAwait(false);
        // A pushed edit that conflicted: learn the other branch now (the winner may not change, so the index may not say).
        for (int i = 0; i < conflicts.Count; i += FetchBatch)
            await FetchAndMergeAsync(mirror, conflicts.Skip(i).Take(FetchBatch).ToList(), ct).ConfigureAwait(false);
        await PullAsync(mirror, ct).ConfigureAwait(false);
    }

    /// <summary>Pushes the outbox as it is now in batches (up to <see cref="PushInFlight"/> at once, so the peer reads and
    /// encodes the next batch while the mirror stores the last); clears each answered record; returns the conflicting ids.</summary>
    private async Task<List<string>> PushAsync(string mirror, CancellationToken ct)
    {
        var conflicts = new List<string>();
        var pending = _store.Records.ListPending();
        int invalid = 0;
        var inFlight = new List<Task>(PushInFlight);
        using var clearing = new SemaphoreSlim(1, 1);
        try
        {
            for (int next = 0; next < pending.Count;)
            {
                // At most PushBatch records and about PushBatchBytes of content: a mirror refuses pushes over 64 MiB, and
                // large documents must not make a batch it can never accept.
                var records = new List<DocumentRecord>(Math.Min(PushBatch, pending.Count - next));
                long bytes = 0;
                while (next < pending.Count && records.Count < PushBatch && bytes < PushBatchBytes)
                {
                    var record = await _store.ReadRecordAsync(pending[next++].Key, ct).ConfigureAwait(false);
                    if (record is null) continue;
                    records.Add(record);
                    bytes += record.Leaves.Sum(l => (long)l.Body.Length + (l.Ancestry.Length + 1) * Revision.EncodedSize);
                }
                if (records.Count == 0) continue;
                if (inFlight.Count == PushInFlight)
                {
                    var done = await Task.WhenAny(inFlight).ConfigureAwait(false);
                    inFlight.Remove(done);
                    await done.ConfigureAwait(false); // a failed batch ends the round (the outbox keeps the rest)
                }
                inFlight.Add(PushBatchAsync(records));
            }
        }
        finally
        {
            // Batches already sent finish (their records leave the outbox) before the round ends or fails.
            await Task.WhenAll(inFlight).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        await Task.WhenAll(inFlight).ConfigureAwait(false); // the first failure of the last batches, if any
        if (invalid > 0) RecordError($"Database '{_store.Name}': {mirror} rejected {invalid} records as invalid; they stay in the outbox.");
        return conflicts;

        async Task PushBatchAsync(List<DocumentRecord> records)
        {
            var results = await Transport(mirror).PushAsync(mirror, _store.Name, RecordBatch.Encode(records), [.. records.Select(r => r.Id)], ct).ConfigureAwait(false);
            // One answer per leaf: a record is acknowledged when every leaf is stored (accepted, known or kept as a
            // conflict); invalid leaves and leaves short of the write quorum keep it in the outbox.
            var byId = results.GroupBy(r => r.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(r => PushStatusNames.TryParse(r.Status, out var st) ? st : PushStatus.Invalid).ToList(), StringComparer.Ordinal);
            var acknowledged = new List<(string, Revision)>(records.Count);
            foreach (var record in records)
            {
                if (!byId.TryGetValue(record.Id, out var statuses) || statuses.Count == 0)
                    throw new MirrorUnavailableException($"{mirror}: the push answer does not cover record '{record.Id}'");
                if (!statuses.All(PushStatusNames.IsAcknowledged))
                {
                    if (statuses.Contains(PushStatus.Invalid)) Interlocked.Increment(ref invalid);
                    continue;
                }
                acknowledged.Add((record.Id, record.Winner.Rev));
                if (statuses.Contains(PushStatus.Conflict))
                {
                    lock (conflicts) conflicts.Add(record.Id);
                }
            }
            // One batch at a time clears and reports, so each report shows the outbox after exactly one more batch.
            await clearing.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                await _store.Records.ClearPendingAsync(acknowledged, ct).ConfigureAwait(false);
                Report(more: false);
            }
            finally
            {
                clearing.Release();
            }
        }
    }
}
