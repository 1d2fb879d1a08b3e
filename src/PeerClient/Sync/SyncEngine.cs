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
    private const int PageLimit = 5000;
    private const int FetchBatch = 500;
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
        _http = new HttpSyncTransport(options.SyncRequestTimeout, options.ConfigureHttpHandler);
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
        await RememberAsync([url, .. others], ct).ConfigureAwait(false);
    }

    /// <summary>One whole round against the first mirror that works.</summary>
    /// <exception cref="MyNoSqlException">No mirror is known or none could be reached.</exception>
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
                int stored = await FetchAndMergeAsync(mirror, [id], ct).ConfigureAwait(false);
                lock (_statusGate) _mirrorInUse = mirror;
                var m = _metadata();
                if (stored > 0 && m.SyncCheckpoint is not null && !string.Equals(m.SyncCheckpointMirror, mirror, StringComparison.OrdinalIgnoreCase))
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
        }
        if (errors.Count > 0) RecordError($"Database '{_store.Name}': record '{id}' could not be fetched: {string.Join("; ", errors)}");
        return false;
    }

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

    /// <summary>Pushes the outbox as it is now in batches; clears each answered record; returns the conflicting ids.</summary>
    private async Task<List<string>> PushAsync(string mirror, CancellationToken ct)
    {
        var conflicts = new List<string>();
        var pending = _store.Records.ListPending();
        int invalid = 0;
        for (int start = 0; start < pending.Count; start += PushBatch)
        {
            var records = new List<DocumentRecord>(Math.Min(PushBatch, pending.Count - start));
            for (int i = start; i < Math.Min(start + PushBatch, pending.Count); i++)
            {
                var record = await _store.ReadRecordAsync(pending[i].Key, ct).ConfigureAwait(false);
                if (record is not null) records.Add(record);
            }
            if (records.Count == 0) continue;
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
                    if (statuses.Contains("invalid")) invalid++;
                    continue;
                }
                acknowledged.Add((record.Id, record.Winner.Rev));
                if (statuses.Contains("conflict")) conflicts.Add(record.Id);
            }
            await _store.Records.ClearPendingAsync(acknowledged, ct).ConfigureAwait(false);
            Report(more: false);
        }
        if (invalid > 0) RecordError($"Database '{_store.Name}': {mirror} rejected {invalid} records as invalid; they stay in the outbox.");
        return conflicts;
    }

    /// <summary>Polls; when the index changed, pulls it page by page, fetching what the mode asks for, saving the checkpoint after each page.</summary>
    private async Task PullAsync(string mirror, CancellationToken ct)
    {
        string? checkpoint = _metadata().SyncCheckpoint;
        int foreignCopies = Volatile.Read(ref _foreignCopies);
        var transport = Transport(mirror);
        if (!await transport.PollAsync(mirror, _store.Name, checkpoint, ct).ConfigureAwait(false)) return;
        while (true)
        {
            var page = await transport.GetChangesAsync(mirror, _store.Name, checkpoint, PageLimit, ct).ConfigureAwait(false);
            if (page.Checkpoint is null) return; // nothing changed after all
            bool full = _metadata().Mode == DbMode.Mirror;
            var wanted = new List<string>();
            foreach (var (id, rev, _) in page.Entries)
            {
                if (_prefixes.Count > 0 && !_prefixes.Any(p => id.StartsWith(p, StringComparison.Ordinal))) continue;
                bool held = _store.Records.TryGetHeader(id, out var header);
                if (!held && !full) continue;
                if (held && string.Equals(header.Revision.ToString(), rev, StringComparison.Ordinal)) continue;
                wanted.Add(id);
            }
            for (int i = 0; i < wanted.Count; i += FetchBatch)
                await FetchAndMergeAsync(mirror, wanted.GetRange(i, Math.Min(FetchBatch, wanted.Count - i)), ct).ConfigureAwait(false);
            _pulled += page.Entries.Count;
            checkpoint = page.Checkpoint;
            string saved = checkpoint;
            if (Volatile.Read(ref _foreignCopies) != foreignCopies) return; // the checkpoint was cleared meanwhile: start over next round
            await _update(m => { m.SyncCheckpoint = saved; m.SyncCheckpointMirror = mirror; }, ct).ConfigureAwait(false);
            Report(page.More);
            if (!page.More) return;
        }
    }

    /// <summary>Fetches the records and merges them; returns how many the mirror had.</summary>
    private async Task<int> FetchAndMergeAsync(string mirror, IReadOnlyList<string> ids, CancellationToken ct)
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
        return records.Count;
    }
}
