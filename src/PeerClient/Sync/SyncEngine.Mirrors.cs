using MyNoSql.Local;

namespace MyNoSql.Sync;

// Which mirrors a peer knows: adding, removing, discovery, pruning of mirrors gone for long, and their order.
internal sealed partial class SyncEngine
{
    /// <summary>How long adding a mirror waits for its list of mirrors (at most <see cref="MyNoSqlOptions.SyncRequestTimeout"/>):
    /// a mirror that hangs must not hold <c>AddPeerAsync</c> for a minute; the list is learnt again in later rounds.</summary>
    private static readonly TimeSpan LearnTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Remembers <paramref name="url"/> (even one removed before) and every mirror it reports; offline, or when
    /// it does not answer within <see cref="LearnTimeout"/>, just the URL.</summary>
    public async Task AddMirrorAsync(string url, CancellationToken ct)
    {
        IReadOnlyList<string> others = [];
        bool reached = false;
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(LearnTimeout);
            others = await Transport(url).GetMirrorsAsync(url, limit.Token).ConfigureAwait(false);
            _lastDiscovery = DateTimeOffset.UtcNow;
            _health.Succeeded(url);
            reached = true;
        }
        catch (MirrorUnavailableException e)
        {
            _health.Failed(url);
            RecordError(e.Message);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            _health.Failed(url);
            RecordError($"mirror {url} did not answer within {LearnTimeout.TotalSeconds:0} s; it is remembered and its mirrors are learnt in a later round");
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

    /// <summary>Every known mirror: the one in use first, those in back-off last.</summary>
    private List<string> Ordered()
    {
        var mirrors = _metadata().Mirrors.ToList();
        string? inUse = Status.MirrorInUse;
        if (inUse is not null && mirrors.Remove(inUse)) mirrors.Insert(0, inUse);
        return [.. mirrors.OrderBy(_health.IsBackingOff)]; // a stable sort: the order above stays within each group
    }

    /// <summary>
    /// The mirrors a read may wait on: all but those that failed and have not answered since. Of those, each whose
    /// back-off ran out gets a re-check in the background, which the read does not await: a mirror that hangs costs
    /// reads nothing once it failed, and a read waits on it again only after it answered (that check or a round).
    /// </summary>
    private List<string> Reachable()
    {
        var usable = new List<string>();
        foreach (var mirror in Ordered())
        {
            if (!_health.IsDown(mirror)) usable.Add(mirror);
            else if (_health.TryBeginRecheck(mirror)) _ = Task.Run(() => RecheckAsync(mirror));
        }
        return usable;
    }

    /// <summary>Asks a mirror that is down for its mirror list, within the read probe time limit: an answer makes it
    /// usable by reads again, anything else is one more failure.</summary>
    private async Task RecheckAsync(string mirror)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
            timeout.CancelAfter(_readProbeTimeout);
            await Transport(mirror).GetMirrorsAsync(mirror, timeout.Token).ConfigureAwait(false);
            _health.Succeeded(mirror);
        }
        catch (MirrorRejectedCredentialException)
        {
            _health.Succeeded(mirror); // it answers; the read that asks it next says why it refused
        }
        // Nobody awaits this task: whatever the transport throws (a timeout, a transport closed meanwhile) is a failure.
        catch (Exception) when (!_closing.IsCancellationRequested)
        {
            _health.Failed(mirror);
        }
        catch (Exception)
        {
            // The database is closing: nothing to learn.
        }
        finally
        {
            _health.EndRecheck(mirror);
        }
    }

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
}
