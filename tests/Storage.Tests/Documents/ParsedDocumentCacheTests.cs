using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using MyNoSql.Storage.Tests.Engine;

namespace MyNoSql.Storage.Tests.Documents;

/// <summary><see cref="ParsedDocumentCache"/> on its own (versions, LRU bound, admission) and under
/// <see cref="DocumentStore.ReadAsync"/> on real files: a read never returns a version older than the last write that
/// completed before it started, and what a caller does to a returned object never reaches the next read.</summary>
public sealed class ParsedDocumentCacheTests
{
    private const long Entry = 100 + ParsedDocumentCache.EntryOverheadBytes;
    private static readonly JsonElement Element = JsonElement.Parse("{\"id\":\"x\"}"u8);

    /// <summary>A second miss in a while: the one that is kept.</summary>
    private static void Keep(ParsedDocumentCache cache, string id, ulong version)
    {
        cache.Add(id, version, Element, 100);
        cache.Add(id, version, Element, 100);
    }

    [Fact]
    public void A_record_is_kept_on_its_second_miss_and_a_newer_version_of_a_kept_one_at_once()
    {
        var cache = new ParsedDocumentCache(Entry * 4);
        cache.Add("a", 1, Element, 100);
        Assert.False(cache.TryGet("a", 1, out _));
        Assert.Equal(0, cache.Count);
        cache.Add("a", 1, Element, 100);
        Assert.True(cache.TryGet("a", 1, out _));
        cache.Add("a", 2, Element, 100);
        Assert.True(cache.TryGet("a", 2, out _));
        Assert.Equal(1, cache.Count);
        Assert.Equal(Entry, cache.Bytes);
    }

    [Fact]
    public void Keeps_one_version_per_id_and_evicts_the_least_recently_read_beyond_the_bound()
    {
        var cache = new ParsedDocumentCache(Entry * 4);
        foreach (string id in new[] { "a", "b", "c", "d" }) Keep(cache, id, 1);
        Assert.Equal(Entry * 4, cache.Bytes);
        Assert.True(cache.TryGet("a", 1, out _));
        Assert.False(cache.TryGet("a", 2, out _)); // written since: a miss, never the old element

        // Full: "e" gets in within FullAdmission more misses, in place of "b", now the least recently read.
        for (int i = 0; i <= ParsedDocumentCache.FullAdmission; i++) cache.Add("e", 1, Element, 100);
        Assert.True(cache.TryGet("e", 1, out _));
        Assert.False(cache.TryGet("b", 1, out _));
        Assert.True(cache.TryGet("a", 1, out _));
        Assert.Equal(4, cache.Count);
        Assert.Equal(Entry * 4, cache.Bytes);

        cache.Add("a", 3, Element, 100);
        cache.Add("a", 2, Element, 100); // a slower reader of an older version finishes last
        Assert.True(cache.TryGet("a", 3, out _));
        Assert.False(cache.TryGet("a", 2, out _));
        Assert.Equal(4, cache.Count);

        cache.Add("huge", 1, Element, Entry * 4); // more than a quarter of the bound: never kept
        cache.Add("huge", 1, Element, Entry * 4);
        Assert.False(cache.TryGet("huge", 1, out _));
        Assert.Equal(4, cache.Count);
        Assert.Equal(0, new ParsedDocumentCache(0).Capacity);
    }

    [Fact]
    public void A_full_cache_keeps_one_miss_in_eight_and_a_kept_record_is_replaced_at_once()
    {
        var cache = new ParsedDocumentCache(Entry * 4);
        foreach (string id in new[] { "a", "b", "c", "d" }) Keep(cache, id, 1);
        int kept = 0;
        for (int i = 0; i < 10 * ParsedDocumentCache.FullAdmission; i++)
        {
            Keep(cache, "new" + i, 1);
            if (cache.TryGet("new" + i, 1, out _)) kept++;
        }
        Assert.Equal(10, kept);
        Assert.Equal(4, cache.Count);

        // A newer version of a kept record is no new admission: it replaces the old one whatever the count.
        Assert.True(cache.TryGet("new79", 1, out _));
        cache.Add("new79", 2, Element, 100);
        Assert.True(cache.TryGet("new79", 2, out _));
        Assert.Equal(Entry * 4, cache.Bytes);
    }

    [Fact]
    public void While_most_lookups_miss_a_full_cache_keeps_one_miss_in_64_until_they_hit_again()
    {
        var cache = new ParsedDocumentCache(Entry * 4);
        foreach (string id in new[] { "a", "b", "c", "d" }) Keep(cache, id, 1);
        for (int i = 0; i < ParsedDocumentCache.Window; i++) Assert.False(cache.TryGet("miss" + i, 1, out _));
        Assert.Equal(ParsedDocumentCache.ColdAdmission, cache.AdmitsOneIn);
        int kept = 0;
        for (int i = 0; i < 2 * ParsedDocumentCache.ColdAdmission; i++)
        {
            Keep(cache, "new" + i, 1);
            if (cache.Count == 4 && cache.TryGet("new" + i, 1, out _)) kept++;
        }
        Assert.Equal(2, kept);

        // A working set that fits again: one window of hits restores the normal rate.
        while (cache.AdmitsOneIn != ParsedDocumentCache.FullAdmission)
        {
            foreach (string id in new[] { "a", "b", "c", "d" })
            {
                if (!cache.TryGet(id, 1, out _)) Keep(cache, id, 1);
            }
        }
    }

    [Fact]
    public async Task Reads_parse_once_until_the_record_is_written_and_returned_objects_are_the_callers_own()
    {
        using var dir = new TempDirectory();
        await using var store = await DocumentStore.OpenAsync("db", dir.Path, Options(1 << 20), 1 << 20);
        var saved = await store.SaveAsync(new JsonObject { ["id"] = "a", ["v"] = 1, ["tags"] = new JsonArray("x", "y") });

        var first = (await store.ReadAsync("a"))!; // a first miss: remembered, not kept
        Assert.Equal(0, store.ParsedDocuments.Count);
        first = (await store.ReadAsync("a"))!; // the second: kept
        var second = (await store.ReadAsync("a"))!;
        Assert.Equal(1, store.ParsedDocuments.Hits);
        Assert.True(JsonNode.DeepEquals(saved, second));
        first["v"] = 99;
        first["tags"]!.AsArray().Add("z");
        second.Remove("tags");
        var third = (await store.ReadAsync("a"))!;
        Assert.Equal(2, store.ParsedDocuments.Hits);
        Assert.True(JsonNode.DeepEquals(saved, third));

        var v2 = await store.SaveAsync(new JsonObject { ["id"] = "a", ["rev"] = (string)saved["rev"]!, ["v"] = 2 });
        Assert.True(JsonNode.DeepEquals(v2, await store.ReadAsync("a")));
        Assert.True(JsonNode.DeepEquals(v2, await store.ReadAsync("a")));

        // A replicated revision that wins moves the version on like a local save.
        var record = (await store.ReadRecordAsync("a"))!;
        var incoming = RevisionLeaf.Child(RevisionLeaf.Child(record.Winner, false, "{\"v\":3}"u8.ToArray()), false, "{\"v\":4}"u8.ToArray());
        await store.MergeAsync("a", incoming, pending: false);
        Assert.Equal(4, (int)(await store.ReadAsync("a"))!["v"]!);

        var undone = await store.UndoAsync("a");
        Assert.True(JsonNode.DeepEquals(undone, await store.ReadAsync("a")));

        await store.DeleteAsync("a", (string)undone["rev"]!);
        Assert.Null(await store.ReadAsync("a"));
        Assert.Null(await store.ReadAsync("nobody"));
        Assert.True(store.ParsedDocuments.Bytes <= store.ParsedDocuments.Capacity);
    }

    [Fact]
    public async Task A_read_never_returns_a_version_older_than_the_last_save_completed_before_it_started()
    {
        using var dir = new TempDirectory();
        await using var store = await DocumentStore.OpenAsync("db", dir.Path, Options(64 << 10), 1 << 20);
        const int Saves = 300;
        string[] ids = ["a", "b", "c"];
        var completed = new int[ids.Length];
        foreach (string id in ids) await store.SaveAsync(new JsonObject { ["id"] = id, ["v"] = 0 });

        var writer = Task.Run(async () =>
        {
            for (int v = 1; v <= Saves; v++)
            {
                int k = v % ids.Length;
                var current = (await store.ReadAsync(ids[k]))!;
                await store.SaveAsync(new JsonObject { ["id"] = ids[k], ["rev"] = (string)current["rev"]!, ["v"] = v, ["pad"] = new string('p', 300) });
                Volatile.Write(ref completed[k], v);
            }
        });
        async Task Reader(int seed)
        {
            var rng = new Random(seed);
            while (!writer.IsCompleted)
            {
                int k = rng.Next(ids.Length);
                int floor = Volatile.Read(ref completed[k]);
                int seen = (int)(await store.ReadAsync(ids[k]))!["v"]!;
                Assert.True(seen >= floor, $"read v={seen} of '{ids[k]}' after the save of v={floor} had completed");
            }
        }
        await Task.WhenAll(writer, Task.Run(() => Reader(1)), Task.Run(() => Reader(2)));
        Assert.True(store.ParsedDocuments.Hits > 0);
    }

    [Fact]
    public async Task Threads_reading_one_cached_record_at_once_each_get_its_own_correct_values()
    {
        using var dir = new TempDirectory();
        await using var store = await DocumentStore.OpenAsync("db", dir.Path, Options(1 << 20), 1 << 20);
        var doc = new JsonObject { ["id"] = "shared" };
        for (int f = 0; f < 64; f++) doc["f" + f] = "value-" + f;
        await store.SaveAsync(doc);
        _ = await store.ReadAsync("shared");
        _ = await store.ReadAsync("shared"); // kept from here on
        long hitsBefore = store.ParsedDocuments.Hits;

        async Task Reader(int seed)
        {
            var rng = new Random(seed);
            for (int i = 0; i < 2000; i++)
            {
                var read = (await store.ReadAsync("shared"))!;
                int f = rng.Next(64);
                Assert.Equal("value-" + f, (string)read["f" + f]!);
                read["f" + f] = "changed"; // the caller's own copy
            }
        }
        await Task.WhenAll(Enumerable.Range(1, 4).Select(seed => Task.Run(() => Reader(seed))));
        Assert.Equal(hitsBefore + 8000, store.ParsedDocuments.Hits);
    }

    private static StoreOptions Options(long documentCacheBytes) => new()
    {
        ShardCount = 2,
        DocumentCacheBytes = documentCacheBytes,
        BlockCacheBytes = 1 << 20,
    };
}
