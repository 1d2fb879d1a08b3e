using MyNoSql.Local;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Sync;

// The pull half of a round: poll, changes pages, fetches, the tombstone-horizon resync and its reconciliation.
internal sealed partial class SyncEngine
{
    /// <summary>Polls; when the index changed, pulls it page by page, fetching what the mode asks for, saving the checkpoint after each page.</summary>
    private async Task PullAsync(string mirror, CancellationToken ct)
    {
        var metadata = _metadata();
        var started = DateTimeOffset.UtcNow;
        var freshFrom = _clock.GetUtcNow(); // for ReadFreshness (the horizon logic keeps the system clock)
        // A checkpoint pulled through a narrower prefix filter skipped ids the current filter wants: start over.
        bool covers = metadata.SyncCheckpointPrefixes is not { Count: > 0 } stored || stored.SequenceEqual(_prefixes, StringComparer.Ordinal);
        // Deleted records leave the mirrors' index after the tombstone horizon, so a peer that has not pulled for
        // longer may have missed a deletion: it lists the whole index again and reconciles what it holds.
        bool stale = metadata.TombstoneHorizonSeconds is long horizon && metadata.LastPull is { } last
            && started - last > TimeSpan.FromSeconds(horizon);
        string? checkpoint = covers && !stale && !metadata.ResyncPending ? metadata.SyncCheckpoint : null;
        int resets = Volatile.Read(ref _checkpointResets);
        var transport = Transport(mirror);
        if (checkpoint is not null && !await transport.PollAsync(mirror, _store.Name, checkpoint, ct).ConfigureAwait(false))
        {
            await NotePullAsync(started, null, ct).ConfigureAwait(false);
            NotePulled(freshFrom);
            return;
        }
        // Pulled from the start: the pages list every id, so records the peer holds (outside its outbox) that no page
        // names can be reconciled. An interrupted resync starts its listing over; a first pull has nothing to reconcile.
        bool fromStart = checkpoint is null;
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
                NotePulled(freshFrom);
                return;
            }
            bool full = _metadata().Mode == DbMode.Mirror;
            var wanted = new List<string>();
            // A listing from the start in Mirror mode also checks the bodies of records held already (a Peer-mode past).
            var held = new List<string>();
            foreach (var entry in page.Entries)
            {
                if (_prefixes.Count > 0 && !_prefixes.Any(p => entry.Id.StartsWith(p, StringComparison.Ordinal))) continue;
                listed?.Add(entry.Id);
                if (await WantsAsync(entry, full, ct).ConfigureAwait(false)) wanted.Add(entry.Id);
                else if (full && fromStart && !entry.Deleted) held.Add(entry.Id);
            }
            // Several fetches at once: the mirror reads one batch while the peer stores the last.
            await Parallel.ForEachAsync(Enumerable.Range(0, (wanted.Count + FetchBatch - 1) / FetchBatch),
                new ParallelOptions { MaxDegreeOfParallelism = FetchInFlight, CancellationToken = ct },
                async (b, token) => await FetchAndMergeAsync(mirror, wanted.GetRange(b * FetchBatch, Math.Min(FetchBatch, wanted.Count - b * FetchBatch)), token, bodies: full).ConfigureAwait(false)).ConfigureAwait(false);
            if (held.Count > 0) await DownloadHeldBodiesAsync(mirror, held, ct).ConfigureAwait(false);
            _pulled += page.Entries.Count;
            if (!page.More && listed is not null) await ReconcileAsync(mirror, listed, ct).ConfigureAwait(false);
            checkpoint = page.Checkpoint;
            string saved = checkpoint;
            if (Volatile.Read(ref _checkpointResets) != resets) return; // the checkpoint was cleared meanwhile: start over next round
            bool done = !page.More;
            bool reset = false;
            await _update(m =>
            {
                // Checked again under the metadata lock: a reset that came after the check above wins.
                if (Volatile.Read(ref _checkpointResets) != resets)
                {
                    reset = true;
                    return;
                }
                (m.SyncCheckpoint, m.SyncCheckpointPrefixes, m.SyncCheckpointMirror) = (saved, [.. _prefixes], mirror);
                m.TombstoneHorizonSeconds = page.HorizonSeconds ?? m.TombstoneHorizonSeconds;
                // A complete pull read every segment up to now; an unfinished first one counts from when it began.
                m.LastPull = done ? started : m.LastPull ?? started;
                if (done) m.ResyncPending = false;
            }, ct).ConfigureAwait(false);
            if (reset) return;
            Report(page.More);
            if (done)
            {
                NotePulled(freshFrom);
                return;
            }
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
            var known = await FetchAndMergeAsync(mirror, ids, ct, bodies: _metadata().Mode == DbMode.Mirror).ConfigureAwait(false);
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

    /// <summary>
    /// Fetches records and merges them; returns the ids the mirror sent. A mirror ends an answer early once it holds
    /// enough content (large records), so the ids it did not send are asked for again, as long as each answer brings
    /// something new; what is left then is unknown to the mirror.
    /// </summary>
    /// <remarks>
    /// Delta sync: each request names the revision the peer holds of each id, so the mirror sends leaves relative to it
    /// (bodies as deltas). A leaf that does not rebuild against the stored record (the base is gone, or the delta or its
    /// revision does not check) makes that record be asked for again whole. With a <c>requestLimit</c> (the read path's),
    /// each fetch request gets that long; merges are not cut short by it. With <c>bodies</c> (Mirror mode's pulls) the
    /// attachment bodies a record refers to are downloaded before it is stored.
    /// </remarks>
    private async Task<HashSet<string>> FetchAndMergeAsync(string mirror, IReadOnlyList<string> ids, CancellationToken ct, TimeSpan? requestLimit = null, bool bodies = false)
    {
        var sent = new HashSet<string>(StringComparer.Ordinal);
        var whole = new HashSet<string>(StringComparer.Ordinal);
        var ask = ids;
        while (ask.Count > 0)
        {
            string?[] held = [.. ask.Select(id => !whole.Contains(id) && _store.Records.TryGetHeader(id, out var h) && !h.Revision.IsEmpty ? h.Revision.ToString() : null)];
            byte[] batch;
            if (requestLimit is { } limit)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(limit);
                try
                {
                    batch = await Transport(mirror).FetchAsync(mirror, _store.Name, ask, held, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
                {
                    throw new MirrorUnavailableException($"{mirror}: no answer within {limit.TotalSeconds:0.#} s", e);
                }
            }
            else
            {
                batch = await Transport(mirror).FetchAsync(mirror, _store.Name, ask, held, ct).ConfigureAwait(false);
            }
            IReadOnlyList<BatchRecord> records;
            try
            {
                records = RecordBatch.DecodeBatch(batch);
            }
            catch (FormatException e)
            {
                throw new MirrorUnavailableException($"{mirror}: malformed record batch: {e.Message}", e);
            }
            Interlocked.Add(ref _fetched, records.Count);
            var failed = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
            // Concurrent merges share the engine's group commit (one fsync per shard for many records).
            await Parallel.ForEachAsync(records, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = ct }, async (record, token) =>
            {
                var leaves = await RebuildAsync(record, token).ConfigureAwait(false);
                if (leaves is null)
                {
                    failed[record.Id] = true;
                    return;
                }
                if (bodies) await DownloadBodiesAsync(mirror, leaves, token).ConfigureAwait(false);
                await _store.MergeLeavesAsync(record.Id, leaves, pending: false, token).ConfigureAwait(false);
            }).ConfigureAwait(false);
            int before = sent.Count;
            foreach (var record in records)
            {
                if (!failed.ContainsKey(record.Id)) sent.Add(record.Id);
            }
            foreach (var id in failed.Keys) whole.Add(id);
            if (sent.Count == before && failed.IsEmpty) break;
            ask = [.. ask.Where(id => !sent.Contains(id))];
        }
        return sent;
    }

    /// <summary>The leaves of a fetched record rebuilt against the stored one (delta sync); null when one does not rebuild.</summary>
    private async ValueTask<IReadOnlyList<RevisionLeaf>?> RebuildAsync(BatchRecord record, CancellationToken ct)
    {
        if (record.IsWhole) return [.. record.Leaves.Select(l => l.AsWholeLeaf()!)];
        var stored = await _store.ReadRecordAsync(record.Id, ct).ConfigureAwait(false);
        var leaves = new List<RevisionLeaf>(record.Leaves.Length);
        foreach (var wire in record.Leaves)
        {
            if (!DeltaLeaves.TryResolve(stored, wire, out var leaf, out _, out _)) return null;
            leaves.Add(leaf);
        }
        return leaves;
    }
}
