using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using MyNoSql.Storage.Indexing;
using MyNoSql.Storage.Query;
using MyNoSql.Storage.Tests.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Indexing;

/// <summary>
/// Secondary indexes against a brute-force oracle: scans return exactly the live documents in (key, id) order both
/// ways, through saves, deletes, conflicting sync merges, memtable flushes, run merges, reopening and damaged runs.
/// </summary>
public class SecondaryIndexTests
{
    private static readonly IndexDefinition ByTypeDate = new("by-type-date", ["type", "date"]);
    private static readonly IndexDefinition ByNested = new("by.nested_id", ["meta.rank", "id"]);

    private static Task<DocumentStore> OpenAsync(string dir, DurabilityMode durability = DurabilityMode.Durable) =>
        DocumentStore.OpenAsync("db", dir, Small(durability: durability), 1 << 20).AsTask();

    private static JsonObject Doc(string id, Random r)
    {
        var doc = new JsonObject { ["id"] = id };
        int t = r.Next(6);
        if (t < 3) doc["type"] = new[] { "order", "invoice", "note" }[t];
        else if (t == 3) doc["type"] = r.Next(3);
        else if (t == 4) doc["type"] = null;
        if (r.Next(5) > 0) doc["date"] = $"2026-0{r.Next(1, 4)}-{r.Next(10, 13)}";
        if (r.Next(3) > 0) doc["meta"] = new JsonObject { ["rank"] = r.Next(4) == 0 ? JsonValue.Create("top") : JsonValue.Create(r.Next(5)) };
        doc["pad"] = new string('p', r.Next(40));
        return doc;
    }

    private static async Task<string?> RevOf(DocumentStore store, string id) => (await store.ReadAsync(id))?["rev"]?.GetValue<string>();

    private static void Tune(IndexManager manager, int flush, int merge = 2)
    {
        foreach (var d in manager.Definitions)
        {
            var index = manager.Find(d.Name)!;
            index.FlushThreshold = flush;
            index.MergeThreshold = merge;
        }
    }

    private static async Task AssertIndexesAsync(DocumentStore store, Random r)
    {
        foreach (var index in store.Indexes.QuerySource.Indexes)
            await IndexOracle.AssertSameAsync(store.Indexes.QuerySource, index, r);
    }

    [Fact]
    public async Task Scans_return_exactly_the_live_documents_in_key_order_with_ranges_prefixes_and_resume_points()
    {
        using var dir = new TempDirectory();
        var r = new Random(1);
        await using var store = await OpenAsync(dir.Path);
        for (int i = 0; i < 300; i++) await store.SaveAsync(Doc($"d{i:D3}", r));
        Assert.True(await store.Indexes.CreateAsync(ByTypeDate));
        for (int i = 0; i < 100; i++) await store.SaveAsync(Doc($"e{i:D3}", r));
        for (int i = 0; i < 300; i += 3) await store.DeleteAsync($"d{i:D3}", await RevOf(store, $"d{i:D3}"));
        Assert.True(await store.Indexes.CreateAsync(ByNested));
        Assert.Equal(2, store.Indexes.QuerySource.Indexes.Count);
        await AssertIndexesAsync(store, r);
        // A typed range: every order strictly after the prefix "order" is excluded when exclusive.
        var order = CollationKey.Of(JsonValue.Create("order"));
        var index = store.Indexes.Find(ByTypeDate.Name)!;
        var orders = IndexOracle.Actual(index, KeyRange.Prefix(order), false);
        Assert.NotEmpty(orders);
        Assert.Equal(await IndexOracle.ExpectedAsync(store.Indexes.QuerySource, ByTypeDate, new KeyRange(order, false, null, true), false),
            IndexOracle.Actual(index, new KeyRange(order, false, null, true), false));
    }

    [Fact]
    public async Task Definitions_are_validated_and_creating_again_is_a_no_op_and_they_persist()
    {
        using var dir = new TempDirectory();
        await using (var store = await OpenAsync(dir.Path))
        {
            Assert.True(await store.Indexes.CreateAsync(ByTypeDate));
            Assert.False(await store.Indexes.CreateAsync(new IndexDefinition("by-type-date", ["type", "date"])));
            await Assert.ThrowsAsync<ArgumentException>(async () => await store.Indexes.CreateAsync(new IndexDefinition("by-type-date", ["type"])));
            foreach (string bad in new[] { "", "a b", "x/y", new string('a', 65), "é" })
                await Assert.ThrowsAsync<ArgumentException>(async () => await store.Indexes.CreateAsync(new IndexDefinition(bad, ["a"])));
            await Assert.ThrowsAsync<ArgumentException>(async () => await store.Indexes.CreateAsync(new IndexDefinition("none", [])));
            await Assert.ThrowsAsync<ArgumentException>(async () => await store.Indexes.CreateAsync(new IndexDefinition("many", [.. Enumerable.Range(0, 17).Select(i => $"f{i}")])));
            await Assert.ThrowsAsync<ArgumentException>(() => Task.Run(() => new IndexDefinition("dots", ["a..b"])));
            Assert.True(await store.Indexes.CreateAsync(ByNested));
            Assert.True(await store.Indexes.DeleteAsync(ByNested.Name));
            Assert.False(await store.Indexes.DeleteAsync(ByNested.Name));
        }
        await using (var store = await OpenAsync(dir.Path))
        {
            Assert.Equal(["by-type-date"], store.Indexes.Definitions.Select(d => d.Name));
            Assert.Single(Directory.GetDirectories(Path.Combine(dir.Path, "indexes")));
        }
    }

    [Fact]
    public async Task Random_saves_deletes_and_conflicting_merges_keep_the_index_equal_to_the_oracle_through_flushes_merges_and_reopening()
    {
        var ops = Gen.Select(Gen.Int[0, 9], Gen.Int[0, 39], Gen.Int).Array[20, 120];
        await ops.SampleAsync(async list =>
        {
            using var dir = new TempDirectory();
            var r = new Random(list.Length);
            // Relaxed: no fsync per save (closing flushes), so the many small cases stay fast.
            var store = await OpenAsync(dir.Path, DurabilityMode.Relaxed);
            try
            {
                await store.Indexes.CreateAsync(ByTypeDate);
                Tune(store.Indexes, flush: 7);
                int step = 0;
                foreach (var (op, n, seed) in list)
                {
                    string id = $"k{n:D2}";
                    var rr = new Random(seed);
                    switch (op)
                    {
                        case <= 4:
                            var doc = Doc(id, rr);
                            string? rev = await RevOf(store, id);
                            if (rev is not null) doc["rev"] = rev;
                            await store.SaveAsync(doc);
                            break;
                        case <= 6:
                            string? current = await RevOf(store, id);
                            if (current is not null) await store.DeleteAsync(id, current);
                            break;
                        case 7:
                            // A conflicting branch from another replica: the winner may change, by merge.
                            var body = Encoding.UTF8.GetBytes(Doc(id, rr).Where(p => p.Key != "id").Aggregate(new JsonObject(), (o, p) => { o[p.Key] = p.Value?.DeepClone(); return o; }).ToJsonString());
                            await store.MergeAsync(id, RevisionLeaf.Child(null, deleted: rr.Next(4) == 0, body), pending: false);
                            break;
                        case 8:
                            await store.Indexes.Find(ByTypeDate.Name)!.WaitForMaintenanceAsync();
                            await store.Indexes.Find(ByTypeDate.Name)!.FlushAsync();
                            await store.Indexes.Find(ByTypeDate.Name)!.MergeRunsAsync();
                            break;
                        default:
                            await store.DisposeAsync();
                            store = await OpenAsync(dir.Path, DurabilityMode.Relaxed);
                            Tune(store.Indexes, flush: 7);
                            break;
                    }
                    if (++step % 15 == 0) await AssertIndexesAsync(store, r);
                }
                await AssertIndexesAsync(store, r);
            }
            finally
            {
                await store.DisposeAsync();
            }
        }, iter: 12, threads: 1);
    }

    [Fact]
    public async Task A_flood_of_writes_flushes_runs_and_merges_them_in_the_background_and_stale_entries_are_dropped()
    {
        using var dir = new TempDirectory();
        var r = new Random(5);
        await using var store = await OpenAsync(dir.Path);
        await store.Indexes.CreateAsync(ByTypeDate);
        Tune(store.Indexes, flush: 50, merge: 3);
        var index = store.Indexes.Find(ByTypeDate.Name)!;
        for (int round = 0; round < 6; round++)
        {
            for (int i = 0; i < 100; i++)
            {
                var doc = Doc($"x{i:D3}", r);
                string? rev = await RevOf(store, $"x{i:D3}");
                if (rev is not null) doc["rev"] = rev;
                await store.SaveAsync(doc);
            }
        }
        await WaitUntilAsync(() => index.MemTableCount < 50 && index.Runs.Count <= 3, "flushes and merges");
        await index.WaitForMaintenanceAsync();
        Assert.Null(index.LastError);
        await index.FlushAsync();
        await index.MergeRunsAsync();
        // After a merge the one run holds only current entries: one per live document.
        Assert.Single(index.Runs);
        Assert.Equal(100, index.Runs[0].EntryCount);
        await IndexOracle.AssertSameAsync(store.Indexes.QuerySource, index, r);
    }

    [Fact]
    public async Task A_damaged_run_is_detected_and_the_index_rebuilt_from_the_records()
    {
        using var dir = new TempDirectory();
        var r = new Random(9);
        await using (var store = await OpenAsync(dir.Path))
        {
            for (int i = 0; i < 500; i++) await store.SaveAsync(Doc($"d{i:D3}", r));
            await store.Indexes.CreateAsync(ByTypeDate);
        }
        string run = Directory.GetFiles(Path.Combine(dir.Path, "indexes"), "*.ixr", SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(run);
        bytes[IndexRunFormat.Magic.Length + IndexRunFormat.BlockHeaderSize + 3] ^= 0x40;
        await File.WriteAllBytesAsync(run, bytes);
        var ex = Assert.Throws<CorruptDataException>(() => IndexRun.Open(run, verify: true));
        Assert.Equal(run, ex.FilePath);
        Assert.Equal(IndexRunFormat.Magic.Length, ex.Offset);
        await using (var store = await OpenAsync(dir.Path))
        {
            await IndexOracle.AssertSameAsync(store.Indexes.QuerySource, store.Indexes.Find(ByTypeDate.Name)!, r);
            Assert.Equal(500, IndexOracle.Actual(store.Indexes.Find(ByTypeDate.Name)!, KeyRange.All, false).Count);
        }
    }

    [Fact]
    public async Task A_mirror_store_keeps_one_index_manager_per_database_by_key_prefix()
    {
        using var dir = new TempDirectory();
        var r = new Random(3);
        await using var records = await RecordStore.OpenAsync(Path.Combine(dir.Path, "store"), Small());
        var replica = new ReplicaStore(records, "mirror");
        async Task PutAsync(string db, string id, JsonObject doc)
        {
            doc.Remove("id");
            var leaf = RevisionLeaf.Child(null, false, Encoding.UTF8.GetBytes(doc.ToJsonString()));
            await replica.MergeAsync($"record/rec/{db}/{id}", id, [leaf], pending: false);
        }
        for (int i = 0; i < 50; i++) await PutAsync("a", $"a{i}", Doc("", r));
        await using var a = await IndexManager.OpenAsync(Path.Combine(dir.Path, "ix-a"), replica, "record/rec/a/", "database 'a'");
        await using var b = await IndexManager.OpenAsync(Path.Combine(dir.Path, "ix-b"), replica, "record/rec/b/", "database 'b'");
        await a.CreateAsync(ByTypeDate);
        await b.CreateAsync(ByTypeDate);
        for (int i = 0; i < 30; i++) await PutAsync("b", $"b{i}", Doc("", r));
        for (int i = 0; i < 30; i++) await PutAsync("a", $"z{i}", Doc("", r));
        Assert.Equal(80, IndexOracle.Actual(a.Find(ByTypeDate.Name)!, KeyRange.All, false).Count);
        Assert.All(IndexOracle.Actual(b.Find(ByTypeDate.Name)!, KeyRange.All, true), e => Assert.StartsWith("b", e.Id));
        await IndexOracle.AssertSameAsync(a.QuerySource, a.QuerySource.Indexes[0], r);
        await IndexOracle.AssertSameAsync(b.QuerySource, b.QuerySource.Indexes[0], r);
        var doc = (await b.QuerySource.ReadLiveAsync("b1", CancellationToken.None)).Doc;
        Assert.Equal("b1", doc!["id"]!.GetValue<string>());
        Assert.Equal(30, b.QuerySource.LiveIds(null).Count());
        Assert.Equal(["b2", "b20"], b.QuerySource.LiveIds("b19").Take(2));
    }

    [Fact]
    public async Task Digit_segments_index_into_arrays_as_the_matcher_does_and_older_runs_of_such_an_index_are_rebuilt()
    {
        var byPosition = new IndexDefinition("by-position", ["nums.0", "items.1.q"]);
        using var dir = new TempDirectory();
        var r = new Random(11);
        JsonObject PositionDoc(string id) => new()
        {
            ["id"] = id,
            ["nums"] = r.Next(4) switch
            {
                0 => new JsonArray([.. Enumerable.Range(0, r.Next(3)).Select(_ => (JsonNode)r.Next(4))]),
                1 => new JsonObject { ["0"] = r.Next(4) },
                2 => r.Next(4),
                _ => new JsonArray(new JsonArray(r.Next(4))),
            },
            ["items"] = new JsonArray([.. Enumerable.Range(0, r.Next(3)).Select(_ => (JsonNode)new JsonObject { ["q"] = r.Next(3) })]),
        };
        async Task AssertFindsEqualAFullScanAsync(DocumentStore store)
        {
            var source = store.Indexes.QuerySource;
            await IndexOracle.AssertSameAsync(source, store.Indexes.Find(byPosition.Name)!, r);
            foreach (string selector in new[] { """{"nums.0":2}""", """{"nums.0":{"$gte":1},"items.1.q":{"$lt":2}}""", """{"nums.0":{"$in":[0,3]}}""" })
            {
                var query = MangoQuery.Parse(JsonNode.Parse($$"""{"selector":{{selector}},"limit":1000}""")!.AsObject());
                var found = await QueryEngine.FindAsync(source, query);
                Assert.Equal(byPosition.Name, found.Index);
                var expected = new List<string>();
                foreach (string id in source.LiveIds(null))
                    if ((await store.ReadAsync(id)) is { } doc && query.Selector.Matches(doc)) expected.Add(id);
                Assert.NotEmpty(expected);
                Assert.Equal(expected.Order(StringComparer.Ordinal), found.Docs.Select(d => d["id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
            }
        }
        string folder;
        await using (var store = await OpenAsync(dir.Path))
        {
            for (int i = 0; i < 150; i++) await store.SaveAsync(PositionDoc($"p{i:D3}"));
            Assert.True(await store.Indexes.CreateAsync(byPosition));
            for (int i = 150; i < 200; i++) await store.SaveAsync(PositionDoc($"p{i:D3}"));
            await AssertFindsEqualAFullScanAsync(store);
            folder = store.Indexes.Find(byPosition.Name)!.Folder;
        }
        // A manifest written before positions were followed (no "keys") holds keys that missed them: rebuilt on open.
        string manifest = Path.Combine(folder, "MANIFEST.json");
        var json = JsonNode.Parse(await File.ReadAllTextAsync(manifest))!.AsObject();
        Assert.Equal(2, json["keys"]!.GetValue<int>());
        json.Remove("keys");
        await File.WriteAllTextAsync(manifest, json.ToJsonString());
        var before = Directory.GetFiles(folder, "*.ixr").Select(Path.GetFileName).ToList();
        await using (var store = await OpenAsync(dir.Path))
        {
            Assert.Empty(Directory.GetFiles(folder, "*.ixr").Select(Path.GetFileName).Intersect(before));
            Assert.Equal(2, JsonNode.Parse(await File.ReadAllTextAsync(manifest))!["keys"]!.GetValue<int>());
            await AssertFindsEqualAFullScanAsync(store);
        }
    }
}
