using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Indexing;
using MyNoSql.Storage.Query;
using MyNoSql.Storage.Tests.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Indexing;

/// <summary>
/// The index build reads records with the engine's bulk scan (a snapshot): writes, deletes and compaction during the
/// build must still leave exactly the live documents indexed (the observer, subscribed first, covers what the
/// snapshot predates).
/// </summary>
public class IndexBuildScanTests
{
    private static readonly IndexDefinition ByType = new("by-type", ["type", "n"]);

    private static JsonObject Doc(string id, Random r, int n) => new()
    {
        ["id"] = id,
        ["type"] = new[] { "a", "b", "c" }[r.Next(3)],
        ["n"] = n,
        ["pad"] = new string('p', r.Next(200)),
    };

    [Fact]
    public async Task A_build_with_writers_deletes_and_compaction_running_indexes_exactly_the_live_documents()
    {
        using var dir = new TempDirectory();
        var r = new Random(11);
        await using var store = await DocumentStore.OpenAsync("db", dir.Path, Small(background: true, logThreshold: 32 << 10, durability: DurabilityMode.Relaxed), 1 << 20);
        for (int i = 0; i < 3000; i += 100)
            await store.SaveManyAsync([.. Enumerable.Range(i, 100).Select(k => Doc($"d{k:D5}", r, 0))]);
        await store.Records.CompactAsync(); // part sealed
        for (int i = 0; i < 3000; i += 7) await store.SaveAsync(Doc($"d{i:D5}", r, 1).With("rev", (await store.ReadAsync($"d{i:D5}"))!["rev"]!.GetValue<string>()));
        int during = 0;
        for (int round = 0; round < 3; round++)
        {
            int building = 0;
            // Writes, deletes and compactions run only while the index builds; the check runs on a quiet store.
            using var stop = new CancellationTokenSource();
            var writing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var writer = Task.Run(async () =>
            {
                var w = new Random(round);
                for (int n = 2; !stop.IsCancellationRequested; n++)
                {
                    string id = $"d{w.Next(3200):D5}";
                    var current = await store.ReadAsync(id);
                    var doc = Doc(id, w, n);
                    if (current is not null) doc["rev"] = current["rev"]!.GetValue<string>();
                    if (current is not null && w.Next(5) == 0) await store.DeleteAsync(id, current["rev"]!.GetValue<string>());
                    else await store.SaveAsync(doc);
                    if (Volatile.Read(ref building) == 1) Interlocked.Increment(ref during);
                    writing.TrySetResult();
                    if (n % 200 == 0) await store.Records.CompactAsync();
                }
            });
            try
            {
                await writing.Task; // the writer runs before the build starts, however busy the pool
                Volatile.Write(ref building, 1);
                Assert.True(await store.Indexes.CreateAsync(new IndexDefinition($"{ByType.Name}-{round}", ByType.Fields)));
                Volatile.Write(ref building, 0);
            }
            finally
            {
                await stop.CancelAsync();
                await writer;
            }
            await IndexOracle.AssertSameAsync(store.Indexes.QuerySource, store.Indexes.Find($"{ByType.Name}-{round}")!, r);
        }
        Assert.True(during > 0, "no write landed while an index was building");
        foreach (var index in store.Indexes.QuerySource.Indexes)
            await IndexOracle.AssertSameAsync(store.Indexes.QuerySource, index, r);
    }
}

file static class JsonExtensions
{
    public static JsonObject With(this JsonObject o, string name, string value)
    {
        o[name] = value;
        return o;
    }
}
