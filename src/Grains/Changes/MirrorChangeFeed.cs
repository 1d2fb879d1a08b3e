using System.Text.Json.Nodes;
using MyNoSql.Grains.Sync;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Index;
using MyNoSql.Storage.Query;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Grains.Changes;

/// <summary>
/// A database's change feed on a mirror (the gateway's <c>_changes</c>), built on the sync protocol's changes paging
/// (<see cref="SyncService.GetChangesAsync"/>): positions are <see cref="SyncCheckpoint"/> tokens over the 64 index
/// segments, which are cluster-wide grains, so a token works on every mirror and after a mirror restart (a segment
/// re-activated under a new epoch lists its entries again from 0: a resumed feed may repeat, never miss). Each record
/// is reported once at its latest version, segment by segment, each segment in its own sequence order; every result's
/// seq is the checkpoint right after it. Docs and selector matches read the records through their grains.
/// </summary>
internal sealed class MirrorChangeFeed(SyncService sync, IGrainFactory grains, ICallRetryPolicy retry)
{
    private const int DocReadParallelism = 16;

    /// <summary>The current end of the feed.</summary>
    public Task<SyncCheckpoint> NowAsync(string database, CancellationToken cancellationToken) => sync.GetCurrentAsync(database, cancellationToken);

    /// <summary>
    /// The changes after <paramref name="since"/>, at most <paramref name="limit"/> results. With a
    /// <paramref name="selector"/>, only live records whose winner matches (deleted ones never: CouchDB's
    /// <c>_selector</c> filter); the position still moves past the others.
    /// </summary>
    public async Task<MirrorChangesPage> ReadAsync(string database, SyncCheckpoint since, int limit, Selector? selector, bool includeDocs, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var results = new List<MirrorChange>();
        var position = since;
        while (true)
        {
            int ask = Math.Min(limit - results.Count, SyncService.MaxChanges);
            var page = await sync.GetChangesAsync(database, position, ask, [], cancellationToken);
            var docs = includeDocs || selector is not null
                ? await ReadDocsAsync(database, page.Entries, cancellationToken)
                : null;
            var running = position.Clone();
            int done = 0; // segments below this one are at their position after the page
            for (int i = 0; i < page.Entries.Length; i++)
            {
                var entry = page.Entries[i];
                int segment = IndexSegment.SegmentOf(entry.Id);
                for (; done < segment; done++) running.Set(done, page.Next.Epoch(done), page.Next.Sequence(done));
                running.Set(segment, page.Next.Epoch(segment), entry.Sequence);
                var doc = docs?[i];
                if (selector is not null && (entry.Deleted || doc is null || !selector.Matches(JsonNode.Parse(doc.Json)!.AsObject())))
                    continue;
                // A doc read after the index listed the entry may be newer: report what was read, as CouchDB does.
                string rev = doc?.Rev ?? entry.Rev;
                results.Add(new MirrorChange(running.ToToken(), entry.Id, rev, entry.Deleted && doc is null, includeDocs ? doc?.Json : null, entry.Conflicts is not null));
                // Stopped by the limit: last_seq is this result's seq (as CouchDB), so the next call starts right after it.
                if (results.Count == limit) return new MirrorChangesPage(results, running);
            }
            position = page.Next;
            if (!page.More) return new MirrorChangesPage(results, position);
        }
    }

    private async Task<DocumentReply?[]> ReadDocsAsync(string database, IndexEntryInfo[] entries, CancellationToken cancellationToken)
    {
        var docs = new DocumentReply?[entries.Length];
        using var gate = new SemaphoreSlim(DocReadParallelism);
        await Task.WhenAll(entries.Select(async (entry, i) =>
        {
            if (entry.Deleted) return;
            await gate.WaitAsync(cancellationToken);
            try
            {
                var record = grains.GetGrain<IRecordGrain>(RecordKey.For(database, entry.Id));
                docs[i] = await retry.RunAsync(_ => record.Read(cancellationToken).AsTask(), cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }));
        return docs;
    }
}
