using MyNoSql.Storage.Sync;

namespace MyNoSql.Sync;

// The read path: records fetched on demand and ReadFreshness refreshes (mirrors that are down are skipped).
internal sealed partial class SyncEngine
{
    /// <summary>Fetches a record the peer does not hold from the mirrors not down, in turn, and stores it; false
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
    /// Asks the mirrors not down, in turn, for a record the peer holds and merges what the first to answer has, all
    /// within <see cref="MyNoSqlOptions.ReadProbeTimeout"/> (a mirror that fails is down until it answers a re-check or
    /// a round); false when none answered in time, so the caller answers from its local copy. Only a mirror never asked
    /// since the database opened, or one that answered last, can make a read wait (at most the probe time limit).
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
}
