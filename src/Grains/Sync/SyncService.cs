using MyNoSql.Storage.Diagnostics;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Grains.Sync;

/// <summary>
/// The mirror side of the sync protocol, the one implementation behind the HTTP routes
/// (<c>/db/{db}/sync/changes|fetch|push|poll</c>), the Orleans transport (<see cref="ISyncGrain"/>) and the
/// deterministic simulation: changes paging over the index segments with prefix filters, the no-change poll,
/// per-leaf push through the records' accept rule, and fetch answers bounded to about <see cref="FetchAnswerBytes"/>.
/// Every backend call goes through the retry policy it is given (the gateway's and the grain's retry calls that
/// fail as unavailable while a lost mirror fails over). Callers validate their requests; see src/Storage/Sync/README.md.
/// </summary>
internal sealed class SyncService(ISyncBackend backend, ICallRetryPolicy retry, SyncServiceOptions options)
{
    /// <summary>Largest changes page.</summary>
    public const int MaxChanges = 10_000;

    /// <summary>Most ids in one fetch.</summary>
    public const int MaxFetchIds = 1000;

    /// <summary>Most prefix filters of one changes request.</summary>
    public const int MaxPrefixes = 64;

    /// <summary>Largest push, both as sent (compressed) and once decoded: a 64 MiB Brotli body cannot unfold into more.</summary>
    public const int MaxPushBytes = 64 << 20;

    /// <summary>A fetch answer ends after the chunk of records that reaches this much content (peers ask again for the rest).</summary>
    public const int FetchAnswerBytes = 16 << 20;

    private const int FirstFetchChunk = 8;
    private const int MaxFetchChunk = 64;

    /// <summary>Index entries changed since <paramref name="since"/>, at most about <paramref name="limit"/> (clamped to
    /// 1–<see cref="MaxChanges"/>), only ids starting with one of <paramref name="prefixes"/> (none: all).</summary>
    public async Task<SyncChangesPage> GetChangesAsync(string database, SyncCheckpoint since, int limit, IReadOnlyList<string> prefixes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(since);
        ArgumentNullException.ThrowIfNull(prefixes);
        limit = Math.Clamp(limit, 1, MaxChanges);
        var pages = new SegmentChanges[SyncCheckpoint.Segments];
        await ForEachAsync(SyncCheckpoint.Segments, async s => pages[s] = await retry.RunAsync(
            _ => backend.ChangesSinceAsync(database, s, since.Epoch(s), since.Sequence(s), limit, cancellationToken).AsTask(), cancellationToken));
        var next = since.Clone();
        var entries = new List<IndexEntryInfo>();
        bool more = false;
        int budget = limit;
        for (int s = 0; s < pages.Length; s++)
        {
            var page = pages[s];
            int take = Math.Min(budget, page.Entries.Length);
            for (int i = 0; i < take; i++)
            {
                if (Matches(page.Entries[i].Id, prefixes)) entries.Add(page.Entries[i]);
            }
            budget -= take;
            if (take == page.Entries.Length)
            {
                // Whole page: the segment's position after it (its last entry's sequence when the segment cut it).
                next.Set(s, page.Epoch, page.Sequence);
                more |= page.HasMore;
            }
            else
            {
                // The budget ran out inside this segment: keep its old position, or stop after what was taken.
                more = true;
                if (take > 0) next.Set(s, page.Epoch, page.Entries[take - 1].Sequence);
            }
        }
        bool unchanged = entries.Count == 0 && next.SameAs(since);
        return new SyncChangesPage(next, [.. entries], more, unchanged, options.HorizonSeconds);
    }

    /// <summary>The checkpoint of every segment's current position.</summary>
    public async Task<SyncCheckpoint> GetCurrentAsync(string database, CancellationToken cancellationToken)
    {
        var current = new SyncCheckpoint();
        await ForEachAsync(SyncCheckpoint.Segments, async s =>
        {
            var d = await retry.RunAsync(_ => backend.GetDigestAsync(database, s, cancellationToken).AsTask(), cancellationToken);
            current.Set(d.Segment, d.Epoch, d.Sequence);
        });
        return current;
    }

    /// <summary>The no-change poll: false only when <paramref name="pollToken"/> is the poll token of the current checkpoint.</summary>
    public async Task<bool> HasChangedAsync(string database, string? pollToken, CancellationToken cancellationToken) =>
        !string.Equals((await GetCurrentAsync(database, cancellationToken)).ToPollToken(), pollToken, StringComparison.Ordinal);

    /// <summary>Decodes a push body, bounded by <see cref="MaxPushBytes"/> once decompressed.</summary>
    /// <exception cref="RecordBatchTooLargeException">It decodes to more than <see cref="MaxPushBytes"/>.</exception>
    /// <exception cref="FormatException">It is not a well-formed record batch.</exception>
    public static IReadOnlyList<SyncRecord> DecodePush(ReadOnlySpan<byte> batch)
    {
        if (batch.Length > MaxPushBytes) throw new RecordBatchTooLargeException(MaxPushBytes);
        return SyncBatch.Decode(batch, MaxPushBytes);
    }

    /// <summary>
    /// Applies pushed records: the leaves of one record in order through its accept rule, records in parallel. One
    /// result per leaf, in batch order. Started merges finish: <paramref name="cancellationToken"/> only stops retries.
    /// </summary>
    /// <param name="storedHere">When given (one entry per result): set for the leaves the batch path stored in this silo's
    /// own store before answering, which a query through this gateway reflects without noting them.</param>
    public async Task<SyncLeafResult[]> PushAsync(string database, IReadOnlyList<SyncRecord> records, CancellationToken cancellationToken, bool[]? storedHere = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        var offsets = new int[records.Count + 1];
        for (int i = 0; i < records.Count; i++) offsets[i + 1] = offsets[i] + records[i].Leaves.Length;
        var results = new SyncLeafResult[offsets[^1]];
        // New records in one batch where the backend can (one durable write, one replication message per silo, one index
        // update per segment); the rest leaf by leaf through the records' accept rule.
        var batched = backend is ISyncBatchBackend batch
            ? await retry.RunAsync(_ => batch.AcceptBatchAsync(database, records, CancellationToken.None), cancellationToken)
            : new MergeStatus?[records.Count];
        int conflicted = 0;
        await ForEachAsync(records.Count, async i =>
        {
            var record = records[i];
            if (batched[i] is { } status0)
            {
                results[offsets[i]] = new SyncLeafResult(record.Id, record.Leaves[0].Rev, PushStatusNames.ToWire(ToPushStatus(status0)));
                if (storedHere is not null) storedHere[offsets[i]] = true;
                if (status0 == MergeStatus.Conflict) Interlocked.Increment(ref conflicted);
                return;
            }
            bool conflict = false;
            for (int l = 0; l < record.Leaves.Length; l++)
            {
                // Accepting a leaf again is harmless ("known"), so a call lost with a mirror is simply retried.
                var leaf = record.Leaves[l];
                var status = await retry.RunAsync(_ => backend.AcceptAsync(database, record.Id, leaf, CancellationToken.None).AsTask(), cancellationToken);
                results[offsets[i] + l] = new SyncLeafResult(record.Id, leaf.Rev, PushStatusNames.ToWire(ToPushStatus(status)));
                conflict |= status == MergeStatus.Conflict;
            }
            if (conflict) Interlocked.Increment(ref conflicted);
        });
        // Counted here, where the push arrived (gateway or sync grain), not where replication copies it.
        if (conflicted > 0) MyNoSqlMetrics.Conflicts.Add(conflicted, MyNoSqlMetrics.Db(database));
        return results;
    }

    /// <summary>
    /// A record batch of the given records in the order asked (duplicates once, unknown ids left out). Records are read
    /// a chunk at a time and the answer ends once it holds <see cref="FetchAnswerBytes"/> of content, so a fetch of large
    /// records stays bounded here and at the peer, which asks again for the ids it did not get. The chunk after the
    /// first is sized from the records seen so far, so large records are read a few at a time.
    /// </summary>
    /// <remarks>Delta sync: <paramref name="heldRevs"/> (aligned with <paramref name="ids"/>; null, or a null entry: whole)
    /// names the revision the peer holds of each id; that record's leaves come relative to it when they are it or descend
    /// from it, bodies as deltas against its body when the record keeps it.</remarks>
    /// <exception cref="ArgumentException">More than <see cref="MaxFetchIds"/> ids, or revisions not aligned with them.</exception>
    public async Task<byte[]> FetchAsync(string database, IReadOnlyList<string> ids, CancellationToken cancellationToken, IReadOnlyList<string?>? heldRevs = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count > MaxFetchIds) throw new ArgumentException($"At most {MaxFetchIds} ids per fetch (got {ids.Count}).", nameof(ids));
        if (heldRevs is not null && heldRevs.Count != ids.Count) throw new ArgumentException($"{heldRevs.Count} revisions for {ids.Count} ids.", nameof(heldRevs));
        var held = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (int i = 0; i < ids.Count; i++) held.TryAdd(ids[i], heldRevs?[i]);
        var distinct = ids.Distinct(StringComparer.Ordinal).ToList();
        var found = new List<SyncRecord>();
        long bytes = 0;
        for (int next = 0, take = FirstFetchChunk; next < distinct.Count && bytes < FetchAnswerBytes;)
        {
            var chunk = distinct.GetRange(next, Math.Min(take, distinct.Count - next));
            next += chunk.Count;
            var records = new SyncRecord[chunk.Count];
            await ForEachAsync(chunk.Count, async i => records[i] = new SyncRecord(chunk[i],
                await retry.RunAsync(_ => backend.GetLeavesAsync(database, chunk[i], held[chunk[i]], cancellationToken).AsTask(), cancellationToken)));
            foreach (var record in records)
            {
                if (record.Leaves.Length == 0) continue;
                found.Add(record);
                bytes += record.Leaves.Sum(l => (long)l.Body.Length);
            }
            long average = Math.Max(1, bytes / Math.Max(1, found.Count));
            take = (int)Math.Clamp((FetchAnswerBytes - bytes) / average, 1, MaxFetchChunk);
        }
        return SyncBatch.Encode(found);
    }

    /// <summary>The one conversion from the grains' status to the protocol's (same values; see <see cref="MergeStatus"/>).</summary>
    public static PushStatus ToPushStatus(MergeStatus status) => status switch
    {
        MergeStatus.Accepted => PushStatus.Accepted,
        MergeStatus.AlreadyKnown => PushStatus.Known,
        MergeStatus.Conflict => PushStatus.Conflict,
        MergeStatus.QuorumUnavailable => PushStatus.QuorumUnavailable,
        MergeStatus.NeedWhole => PushStatus.NeedWhole,
        _ => PushStatus.Invalid,
    };

    private static bool Matches(string id, IReadOnlyList<string> prefixes)
    {
        if (prefixes.Count == 0) return true;
        foreach (var p in prefixes)
        {
            if (id.StartsWith(p, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>Runs <paramref name="body"/> for 0…count−1, at most <see cref="SyncServiceOptions.Parallelism"/> at once (1: in order).</summary>
    private async Task ForEachAsync(int count, Func<int, Task> body)
    {
        if (options.Parallelism <= 1)
        {
            for (int i = 0; i < count; i++) await body(i);
            return;
        }
        using var gate = new SemaphoreSlim(options.Parallelism);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                await body(i);
            }
            finally
            {
                gate.Release();
            }
        }));
    }
}
