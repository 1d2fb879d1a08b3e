using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Sync;

// The push half of a round: the outbox in bounded batches, several in flight, cleared as the answers come.
internal sealed partial class SyncEngine
{
    /// <summary>Pushes the outbox as it is now in batches (up to <see cref="PushInFlight"/> at once, so the peer reads and
    /// encodes the next batch while the mirror stores the last); clears each answered record; returns the conflicting ids.</summary>
    private async Task<List<string>> PushAsync(string mirror, CancellationToken ct)
    {
        var conflicts = new List<string>();
        var pending = _store.Records.ListPending();
        int invalid = 0;
        var inFlight = new List<Task>(PushInFlight);
        var uploaded = new HashSet<string>(StringComparer.Ordinal); // bodies known to be on the mirror this round
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
                // Attachment bodies first (SyncEngine.Bodies.cs): a mirror never holds a stub from this peer without its body.
                records = await UploadBodiesAsync(mirror, records, uploaded, ct).ConfigureAwait(false);
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
            // Delta sync: each leaf relative to the newest revision of its ancestry a mirror acknowledged (history), whole
            // otherwise; a mirror that lacks that base answers need_whole and gets those records whole in this round.
            var results = await Transport(mirror).PushAsync(mirror, _store.Name, RecordBatch.Encode([.. records.Select(ForPush)]), [.. records.Select(r => r.Id)], ct).ConfigureAwait(false);
            // One answer per leaf: a record is acknowledged when every leaf is stored (accepted, known or kept as a
            // conflict); invalid leaves and leaves short of the write quorum keep it in the outbox.
            var byId = Statuses(results);
            var whole = records.Where(r => byId.TryGetValue(r.Id, out var st) && st.Contains(PushStatus.NeedWhole)).ToList();
            if (whole.Count > 0)
            {
                var again = Statuses(await Transport(mirror).PushAsync(mirror, _store.Name, RecordBatch.Encode(whole), [.. whole.Select(r => r.Id)], ct).ConfigureAwait(false));
                foreach (var (id, statuses) in again) byId[id] = statuses;
            }
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

    private static Dictionary<string, List<PushStatus>> Statuses(IReadOnlyList<PushResult> results) =>
        results.GroupBy(r => r.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(r => PushStatusNames.TryParse(r.Status, out var st) ? st : PushStatus.Invalid).ToList(), StringComparer.Ordinal);

    /// <summary>
    /// A pending record as pushed: each leaf relative to the newest revision in its ancestry that a mirror acknowledged
    /// (a history entry replaced while the record was not pending, whose body is kept), whole when there is none.
    /// </summary>
    internal static BatchRecord ForPush(DocumentRecord record)
    {
        if (record.History.Count == 0) return BatchRecord.Whole(record);
        return DeltaLeaves.Against(record, leaf =>
        {
            foreach (var entry in record.History)
            {
                if (entry.Acked && entry.Body is not null && leaf.Knows(entry.Rev)) return entry.Rev;
            }
            return default;
        });
    }
}
