using System.Diagnostics;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;

namespace MyNoSql.PeerClient.Tests;

/// <summary>The peer's change feed (DESIGN §7): <see cref="MyNoSqlDb.ChangesAsync"/>.</summary>
public sealed class ChangesTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static async Task<List<Change>> AllAsync(MyNoSqlDb db, string? since = null, JsonObject? selector = null, bool includeDocs = false) =>
        await db.ChangesAsync(since, selector, includeDocs).ToListAsync();

    [Fact]
    public async Task Saves_updates_and_deletes_each_appear_once_at_their_latest_version()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("feed", dir.Options());
        var a = await db.SaveDocAsync(new JsonObject { ["id"] = "a", ["n"] = 1 });
        var b = await db.SaveDocAsync(new JsonObject { ["id"] = "b", ["n"] = 1 });
        var c = await db.SaveDocAsync(new JsonObject { ["id"] = "c", ["n"] = 1 });
        var b2 = await db.SaveDocAsync(new JsonObject { ["id"] = "b", ["rev"] = (string)b["rev"]!, ["n"] = 2 });
        string tombstone = await db.DeleteDocAsync("c", (string)c["rev"]!);

        var changes = await AllAsync(db);
        Assert.Equal(["a", "b", "c"], changes.Select(x => x.Id).Order(StringComparer.Ordinal));
        var byId = changes.ToDictionary(x => x.Id);
        Assert.Equal((string)a["rev"]!, byId["a"].Rev);
        Assert.Equal((string)b2["rev"]!, byId["b"].Rev);
        Assert.Equal(tombstone, byId["c"].Rev);
        Assert.True(byId["c"].Deleted);
        Assert.False(byId["a"].Deleted);
        Assert.All(changes, x => Assert.False(x.FromSync));
        Assert.All(changes, x => Assert.Null(x.Doc));
        Assert.Equal(changes.Count, changes.Select(x => x.Seq).Distinct().Count());

        // From the last seq, or from "now": nothing until the next write, which then appears alone.
        Assert.Empty(await AllAsync(db, changes[^1].Seq));
        Assert.Empty(await AllAsync(db, "now"));
        var d = await db.SaveDocAsync(new JsonObject { ["id"] = "d" });
        var after = Assert.Single(await AllAsync(db, changes[^1].Seq));
        Assert.Equal(("d", (string)d["rev"]!), (after.Id, after.Rev));
        // "0" is the beginning, as null.
        Assert.Equal(4, (await AllAsync(db, "0")).Count);
    }

    [Fact]
    public async Task Include_docs_gives_the_winning_record_and_none_for_a_tombstone()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("docs", dir.Options());
        var kept = await db.SaveDocAsync(new JsonObject { ["id"] = "kept", ["city"] = "Oslo", ["tags"] = new JsonArray("x", "y") });
        var gone = await db.SaveDocAsync(new JsonObject { ["id"] = "gone", ["city"] = "Rome" });
        await db.DeleteDocAsync("gone", (string)gone["rev"]!);

        var changes = (await AllAsync(db, includeDocs: true)).ToDictionary(x => x.Id);
        Assert.True(JsonNode.DeepEquals(kept, changes["kept"].Doc), changes["kept"].Doc?.ToJsonString());
        Assert.True(changes["gone"].Deleted);
        Assert.Null(changes["gone"].Doc);
    }

    [Fact]
    public async Task Resuming_from_any_seq_after_reopening_misses_nothing_and_repeats_nothing()
    {
        using var dir = new TempDir();
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        string seq;
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var db = await MyNoSqlDb.OpenAsync("resume", dir.Options()))
        {
            for (int i = 0; i < 40; i++)
            {
                var saved = await db.SaveDocAsync(new JsonObject { ["id"] = $"doc/{i:D2}", ["i"] = i });
                expected[$"doc/{i:D2}"] = (string)saved["rev"]!;
            }
            // A consumer that stops after 15 changes.
            var first = await db.ChangesAsync().Take(15).ToListAsync();
            foreach (var c in first) seen.Add(c.Id, c.Rev);
            seq = first[^1].Seq;
        }
        await using (var db = await MyNoSqlDb.OpenAsync("resume", dir.Options()))
        {
            // Meanwhile: new records, an update of a record already seen, and a mirror acknowledging everything (only
            // clears Pending: the lsn stays, so nothing re-appears for it).
            for (int i = 40; i < 45; i++)
                expected[$"doc/{i:D2}"] = (string)(await db.SaveDocAsync(new JsonObject { ["id"] = $"doc/{i:D2}", ["i"] = i }))["rev"]!;
            string updatedId = seen.Keys.First();
            var updated = await db.SaveDocAsync(new JsonObject { ["id"] = updatedId, ["rev"] = seen[updatedId], ["i"] = -1 });
            expected[updatedId] = (string)updated["rev"]!;
            var records = db.Store.Records;
            await records.ClearPendingAsync([.. records.ListPending().Select(h => (h.Key, h.Revision))]);
            Assert.Equal(0, records.PendingCount);

            var rest = await AllAsync(db, seq);
            var unseenBefore = expected.Keys.Where(k => !seen.ContainsKey(k)).ToHashSet(StringComparer.Ordinal);
            unseenBefore.Add(updatedId);
            Assert.Equal(unseenBefore.Order(StringComparer.Ordinal), rest.Select(c => c.Id).Order(StringComparer.Ordinal));
            foreach (var c in rest) Assert.Equal(expected[c.Id], c.Rev);
            Assert.Empty(await AllAsync(db, rest[^1].Seq));
        }
    }

    [Fact]
    public async Task Acknowledging_writes_does_not_make_them_reappear()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("acked", dir.Options());
        for (int i = 0; i < 5; i++) await db.SaveDocAsync(new JsonObject { ["id"] = $"k{i}" });
        string last = (await AllAsync(db))[^1].Seq;
        var records = db.Store.Records;
        await records.ClearPendingAsync([.. records.ListPending().Select(h => (h.Key, h.Revision))]);
        Assert.Empty(await AllAsync(db, last));
    }

    [Fact]
    public async Task A_live_feed_waits_and_wakes_on_a_write_then_ends_on_cancellation()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("live", dir.Options());
        await db.SaveDocAsync(new JsonObject { ["id"] = "before" });
        string since = (await AllAsync(db))[^1].Seq;

        using var cts = new CancellationTokenSource();
        var received = new List<(Change Change, long At)>();
        var clock = Stopwatch.StartNew();
        var reader = Task.Run(async () =>
        {
            await foreach (var c in db.ChangesAsync(since, live: true, cancellationToken: cts.Token))
                lock (received) received.Add((c, clock.ElapsedMilliseconds));
        });
        await db.SaveDocAsync(new JsonObject { ["id"] = "live/1" });
        long writtenAt = clock.ElapsedMilliseconds;
        await WaitUntilAsync(() => { lock (received) return received.Count == 1; }, "the first live change");
        var second = await db.SaveDocAsync(new JsonObject { ["id"] = "live/2" });
        await WaitUntilAsync(() => { lock (received) return received.Count == 2; }, "the second live change");
        lock (received)
        {
            Assert.Equal(["live/1", "live/2"], received.Select(r => r.Change.Id));
            Assert.Equal((string)second["rev"]!, received[1].Change.Rev);
            // Woken by the write, not by a timer (counted from the save's return: its fsync is not the feed's).
            Assert.True(received[0].At - writtenAt < 5000, $"the live feed took {received[0].At - writtenAt} ms after the save returned");
        }
        Assert.False(reader.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_live_feed_ends_when_the_database_closes()
    {
        using var dir = new TempDir();
        var db = await MyNoSqlDb.OpenAsync("closing", dir.Options());
        var reader = Task.Run(async () => await db.ChangesAsync("now", live: true).ToListAsync());
        await db.SaveDocAsync(new JsonObject { ["id"] = "x" });
        await db.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => reader.WaitAsync(Patience));
    }

    [Fact]
    public async Task Records_merged_from_another_replica_are_flagged_FromSync_until_edited_here()
    {
        using var dir = new TempDir();
        using var otherDir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("merge", dir.Options());
        await using var other = await MyNoSqlDb.OpenAsync("merge", otherDir.Options());
        var remote = await other.SaveDocAsync(new JsonObject { ["id"] = "remote", ["v"] = 1 });
        var leaf = (await other.Store.ReadRecordAsync("remote"))!.Winner;
        Assert.Equal(MergeResult.Accepted, await db.Store.MergeAsync("remote", leaf, pending: false));
        await db.SaveDocAsync(new JsonObject { ["id"] = "local" });

        var list = await AllAsync(db, includeDocs: true);
        var changes = list.ToDictionary(c => c.Id);
        Assert.True(changes["remote"].FromSync);
        Assert.Equal((string)remote["rev"]!, changes["remote"].Rev);
        Assert.Equal(1, (int)changes["remote"].Doc!["v"]!);
        Assert.False(changes["local"].FromSync);

        string since = list[^1].Seq;
        var edited = await db.SaveDocAsync(new JsonObject { ["id"] = "remote", ["rev"] = (string)remote["rev"]!, ["v"] = 2 });
        var change = Assert.Single(await AllAsync(db, since));
        Assert.Equal(((string)edited["rev"]!, false), (change.Rev, change.FromSync));
    }

    [Theory]
    [InlineData("garbage!")]
    [InlineData("AQ")]
    [InlineData("now ")]
    [InlineData("AQgAAAAAAAAAAAA")]
    public async Task A_bad_since_is_an_ArgumentException(string since)
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("badsince", dir.Options());
        var e = await Assert.ThrowsAsync<ArgumentException>(async () => await db.ChangesAsync(since).ToListAsync());
        Assert.Equal("since", e.ParamName);
    }

    [Fact]
    public async Task A_selector_reports_only_matching_live_records_and_still_advances()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("filtered", dir.Options());
        var selector = new JsonObject { ["type"] = "order" };
        var order = await db.SaveDocAsync(new JsonObject { ["id"] = "o1", ["type"] = "order", ["total"] = 5 });
        await db.SaveDocAsync(new JsonObject { ["id"] = "u1", ["type"] = "user" });
        var doomed = await db.SaveDocAsync(new JsonObject { ["id"] = "o2", ["type"] = "order" });
        await db.DeleteDocAsync("o2", (string)doomed["rev"]!);

        var matched = await AllAsync(db, selector: selector, includeDocs: true);
        var only = Assert.Single(matched);
        Assert.Equal(("o1", (string)order["rev"]!), (only.Id, only.Rev));
        Assert.Equal(5, (int)only.Doc!["total"]!);

        // Filtered out records are never reported; a later match is, once.
        await db.SaveDocAsync(new JsonObject { ["id"] = "u2", ["type"] = "user" });
        var later = await db.SaveDocAsync(new JsonObject { ["id"] = "o3", ["type"] = "order" });
        var next = await AllAsync(db, only.Seq, selector);
        Assert.Contains(next, c => c.Id == "o3" && c.Rev == (string)later["rev"]!);
        Assert.DoesNotContain(next, c => c.Id is "u1" or "u2" or "o2");

        await Assert.ThrowsAnyAsync<ArgumentException>(async () =>
            await db.ChangesAsync(selector: new JsonObject { ["total"] = new JsonObject { ["$bogus"] = 1 } }).ToListAsync());
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} did not arrive within {Patience}");
            await Task.Delay(10);
        }
    }
}
