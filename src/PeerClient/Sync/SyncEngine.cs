using MyNoSql.Local;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Sync;

/// <summary>
/// A peer's sync rounds against its mirrors: push the outbox in batches, poll, pull index changes since the
/// checkpoint and fetch what changed. Outbox and checkpoint advance after every batch (both are on disk), so an
/// interrupted round resumes where it stopped. Mirrors are tried in turn (the one that worked last first).
/// </summary>
internal sealed class SyncEngine : IDisposable
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
    // On-demand copies taken from a mirror other than the checkpoint's; a pull running meanwhile must not save a checkpoint over the reset.
    private int _foreignCopies;

    public SyncEngine(DocumentStore store, Func<PeerMetadata> metadata, Func<Action<PeerMetadata>, CancellationToken, Task> update, MyNoSqlOptions options)
    {
        _store = store;
        _metadata = metadata;
        _update = update;
        _prefixes = [.. options.SyncPrefixes];
        _progress = options.SyncProgress;
        _http = new HttpSyncTransport(options);
    }

    public (DateTimeOffset? LastSuccess, string? MirrorInUse, string? LastError) Status
    {
        get { lock (_statusGate) return (_lastSuccess, _mirrorInUse, _lastError); }
    }

    /// <summary>Remembers <paramref name="url"/> and every mirror it reports; offline, just the URL.</summary>
    public async Task AddMirrorAsync(string url, CancellationToken ct)
    {
        IReadOnlyList<string> others = [];
        try
        {
            others = await Transport(url).GetMirrorsAsync(url, ct).ConfigureAwait(false);
            _lastDiscovery = DateTimeOffset.UtcNow;
        }
        catch (MirrorUnavailableException e)
        {
            RecordError(e.Message);
        }
        catch (MirrorRejectedCredentialException e)
        {
            RecordError(CredentialMessage(e));
        }
        await RememberAsync([url, .. others], ct).ConfigureAwait(false);
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

    /// <summary>Fetches a record the peer does not hold from the mirrors in turn and stores it; false when none answered.</summary>
    public async Task<bool> FetchOnDemandAsync(string id, CancellationToken ct)
    {
        var errors = new List<string>();
        foreach (var mirror in Ordered())
        {
            try
            {
                var stored = await FetchAndMergeAsync(mirror, [id], ct).ConfigureAwait(false);
                lock (_statusGate) _mirrorInUse = mirror;
                var m = _metadata();
                if (stored.Count > 0 && m.SyncCheckpoint is not null && !string.Equals(m.SyncCheckpointMirror, mirror, StringComparison.OrdinalIgnoreCase))
                {
                    // This copy may be older than what the checkpoint (another mirror's) already covers, and no later change
                    // on that mirror would say so: the next pull re-reads the index from the start (fetching only what differs).
                    Interlocked.Increment(ref _foreignCopies);
                    await _update(x => { x.SyncCheckpoint = null; x.SyncCheckpointMirror = null; }, ct).ConfigureAwait(false);
                }
                return true;
            }
            catch (MirrorUnavailableException e)
            {
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

    /// <summary>HTTP for http/https; a registered plug-in for other schemes (orleans://).</summary>
    private ISyncTransport Transport(string mirror)
    {
        string scheme = mirror[..Math.Max(0, mirror.IndexOf("://", StringComparison.Ordinal))];
        if (scheme is "http" or "https") return _http;
        return _others.GetOrAdd(scheme, SyncTransports.Create)
            ?? throw new MirrorUnavailableException($"{mirror}: no transport for {scheme}:// is registered (orleans:// needs the MyNoSql.PeerClient.Orleans package: call MyNoSqlOrleans.Enable() at startup)");
    }

    private List<string> Ordered()
    {
        var mirrors = _metadata().Mirrors.ToList();
        string? inUse = Status.MirrorInUse;
        if (inUse is not null && mirrors.Remove(inUse)) mirrors.Insert(0, inUse);
        return mirrors;
    }

    private async Task RememberAsync(IEnumerable<string> urls, CancellationToken ct)
    {
        var normalized = new List<string>();
        foreach (var u in urls)
        {
            try { normalized.Add(MirrorUrl.Normalize(u)); }
            catch (ArgumentException) { }
        }
        if (normalized.All(u => _metadata().Mirrors.Contains(u, StringComparer.OrdinalIgnoreCase))) return;
        await _update(m =>
        {
            foreach (var u in normalized)
            {
                if (!m.Mirrors.Contains(u, StringComparer.OrdinalIgnoreCase)) m.Mirrors.Add(u);
            }
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
            var byId = results.GroupBy(r => r.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(r => r.Status).ToList(), StringComparer.Ordinal);
            var acknowledged = new List<(string, Revision)>(records.Count);
            foreach (var record in records)
            {
                if (!byId.TryGetValue(record.Id, out var statuses) || statuses.Count == 0)
                    throw new MirrorUnavailableException($"{mirror}: the push answer does not cover record '{record.Id}'");
                if (statuses.Any(st => st is not ("accepted" or "known" or "conflict")))
                {
                    if (statuses.Contains("invalid")) Interlocked.Increment(ref invalid);
                    continue;
                }
                acknowledged.Add((record.Id, record.Winner.Rev));
                if (statuses.Contains("conflict"))
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

    /// <summary>Polls; when the index changed, pulls it page by page, fetching what the mode asks for, saving the checkpoint after each page.</summary>
    private async Task PullAsync(string mirror, CancellationToken ct)
    {
        var metadata = _metadata();
        var started = DateTimeOffset.UtcNow;
        // A checkpoint pulled through a narrower prefix filter skipped ids the current filter wants: start over.
        bool covers = metadata.SyncCheckpointPrefixes is not { Count: > 0 } stored || stored.SequenceEqual(_prefixes, StringComparer.Ordinal);
        // Deleted records leave the mirrors' index after the tombstone horizon, so a peer that has not pulled for
        // longer may have missed a deletion: it lists the whole index again and reconciles what it holds.
        bool stale = metadata.TombstoneHorizonSeconds is long horizon && metadata.LastPull is { } last
            && started - last > TimeSpan.FromSeconds(horizon);
        string? checkpoint = covers && !stale && !metadata.ResyncPending ? metadata.SyncCheckpoint : null;
        int foreignCopies = Volatile.Read(ref _foreignCopies);
        var transport = Transport(mirror);
        if (checkpoint is not null && !await transport.PollAsync(mirror, _store.Name, checkpoint, ct).ConfigureAwait(false))
        {
            await NotePullAsync(started, null, ct).ConfigureAwait(false);
            return;
        }
        // Pulled from the start: the pages list every id, so records the peer holds (outside its outbox) that no page
        // names can be reconciled. An interrupted resync starts its listing over; a first pull has nothing to reconcile.
        bool reconcile = checkpoint is null && (metadata.ResyncPending || _store.Records.Count > _store.Records.PendingCount);
        HashSet<string>? listed = reconcile ? new(StringComparer.Ordinal) : null;
        if (listed is not null && !metadata.ResyncPending)
            await _update(m => m.ResyncPending = true, ct).ConfigureAwait(false);
        while (true)
        {
            var page = await transport.GetChangesAsync(mirror, _store.Name, checkpoint, PageLimit, _prefixes, ct).ConfigureAwait(false);
            if (page.Checkpoint is null)
            {
                await NotePullAsync(started, page.HorizonSeconds, ct).ConfigureAwait(false); // nothing changed after all
                return;
            }
            bool full = _metadata().Mode == DbMode.Mirror;
            var wanted = new List<string>();
            foreach (var entry in page.Entries)
            {
                if (_prefixes.Count > 0 && !_prefixes.Any(p => entry.Id.StartsWith(p, StringComparison.Ordinal))) continue;
                listed?.Add(entry.Id);
                if (await WantsAsync(entry, full, ct).ConfigureAwait(false)) wanted.Add(entry.Id);
            }
            // Several fetches at once: the mirror reads one batch while the peer stores the last.
            await Parallel.ForEachAsync(Enumerable.Range(0, (wanted.Count + FetchBatch - 1) / FetchBatch),
                new ParallelOptions { MaxDegreeOfParallelism = FetchInFlight, CancellationToken = ct },
                async (b, token) => await FetchAndMergeAsync(mirror, wanted.GetRange(b * FetchBatch, Math.Min(FetchBatch, wanted.Count - b * FetchBatch)), token).ConfigureAwait(false)).ConfigureAwait(false);
            _pulled += page.Entries.Count;
            if (!page.More && listed is not null) await ReconcileAsync(mirror, listed, ct).ConfigureAwait(false);
            checkpoint = page.Checkpoint;
            string saved = checkpoint;
            if (Volatile.Read(ref _foreignCopies) != foreignCopies) return; // the checkpoint was cleared meanwhile: start over next round
            bool done = !page.More;
            await _update(m =>
            {
                (m.SyncCheckpoint, m.SyncCheckpointPrefixes, m.SyncCheckpointMirror) = (saved, [.. _prefixes], mirror);
                m.TombstoneHorizonSeconds = page.HorizonSeconds ?? m.TombstoneHorizonSeconds;
                // A complete pull read every segment up to now; an unfinished first one counts from when it began.
                m.LastPull = done ? started : m.LastPull ?? started;
                if (done) m.ResyncPending = false;
            }, ct).ConfigureAwait(false);
            Report(page.More);
            if (!page.More) return;
        }
    }

    /// <summary>Remembers a complete pull with no change; the file is rewritten only when the stored time is a quarter horizon old.</summary>
    private async Task NotePullAsync(DateTimeOffset started, long? horizonSeconds, CancellationToken ct)
    {
        var m = _metadata();
        long? horizon = horizonSeconds ?? m.TombstoneHorizonSeconds;
        bool old = m.LastPull is null || horizon is null || started - m.LastPull.Value > TimeSpan.FromSeconds(horizon.Value / 4.0);
        if (!old && horizon == m.TombstoneHorizonSeconds) return;
        await _update(x => (x.LastPull, x.TombstoneHorizonSeconds) = (started, horizon), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// After a pull from the start: live records the peer holds (outside its outbox) that no page listed lost their
    /// tombstone to the horizon, or the mirrors lost them. Fetching them brings the tombstone (the mirrors' stores keep
    /// it); a record no mirror knows goes back into the outbox, so nothing the peer holds is dropped unseen.
    /// </summary>
    private async Task ReconcileAsync(string mirror, HashSet<string> listed, CancellationToken ct)
    {
        var unlisted = _store.Records.List()
            .Where(h => (h.Flags & (Storage.Engine.RecordFlags.Pending | Storage.Engine.RecordFlags.Deleted)) == 0 && !listed.Contains(h.Key)
                && (_prefixes.Count == 0 || _prefixes.Any(p => h.Key.StartsWith(p, StringComparison.Ordinal))))
            .Select(h => h.Key).ToList();
        for (int i = 0; i < unlisted.Count; i += FetchBatch)
        {
            var ids = unlisted.GetRange(i, Math.Min(FetchBatch, unlisted.Count - i));
            var known = await FetchAndMergeAsync(mirror, ids, ct).ConfigureAwait(false);
            foreach (var id in ids.Where(id => !known.Contains(id)))
                await _store.MarkPendingAsync(id, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether a change needs a fetch: a record not held (Mirror mode only), another winner, or the same winner with
    /// other live conflicts than ours (a losing branch we lack, or one resolved elsewhere).
    /// </summary>
    private async ValueTask<bool> WantsAsync(ChangeEntry entry, bool full, CancellationToken ct)
    {
        if (!_store.Records.TryGetHeader(entry.Id, out var header)) return full;
        if (!string.Equals(header.Revision.ToString(), entry.Rev, StringComparison.Ordinal)) return true;
        bool localConflicts = (header.Flags & (Storage.Engine.RecordFlags.HasConflicts | Storage.Engine.RecordFlags.HasOtherLeaves)) != 0;
        if (entry.Conflicts is null && !localConflicts) return false;
        var local = await _store.ReadRecordAsync(entry.Id, ct).ConfigureAwait(false);
        return !string.Equals(local?.LeavesTag, entry.Conflicts, StringComparison.Ordinal);
    }

    /// <summary>Fetches records and merges them; returns the ids the mirror sent.</summary>
    private async Task<HashSet<string>> FetchAndMergeAsync(string mirror, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var batch = await Transport(mirror).FetchAsync(mirror, _store.Name, ids, ct).ConfigureAwait(false);
        IReadOnlyList<DocumentRecord> records;
        try
        {
            records = RecordBatch.Decode(batch);
        }
        catch (FormatException e)
        {
            throw new MirrorUnavailableException($"{mirror}: malformed record batch: {e.Message}", e);
        }
        Interlocked.Add(ref _fetched, records.Count);
        // Concurrent merges share the engine's group commit (one fsync per shard for many records).
        await Parallel.ForEachAsync(records, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = ct },
            async (record, token) => await _store.MergeLeavesAsync(record.Id, record.Leaves, pending: false, token).ConfigureAwait(false)).ConfigureAwait(false);
        return records.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
    }
}
