using System.Text.Json.Nodes;
using MyNoSql;
using MyNoSql.Storage.Indexing;

/// <summary>The "index" mode: random saves and deletes under two secondary indexes until killed.</summary>
internal static class IndexWorker
{
    public static async Task<int> RunAsync(MyNoSqlOptions options, string name, int tasks)
    {
        options.LogSealThresholdBytes = 64 << 10;
        // Tiny memtables: runs are flushed and merged constantly, so a kill lands inside those too.
        SecondaryIndex.DefaultFlushThreshold = 64;
        await using var db = await MyNoSqlDb.OpenAsync(name, options);
        await db.CreateIndexAsync("by-type-n", ["type", "n"]);
        await db.CreateIndexAsync("by-g-id", ["g.h", "id"]);
        var gate = new Lock();
        Console.WriteLine("READY");
        Console.Out.Flush();
        var workers = Enumerable.Range(0, tasks).Select(t => Task.Run(async () =>
        {
            var random = new Random(Environment.ProcessId * 31 + t);
            for (long n = 0; ; n++)
            {
                string id = $"t{t}/d{random.Next(300)}";
                var current = await db.ReadDocAsync(id);
                if (current is not null && random.Next(4) == 0)
                {
                    await db.DeleteDocAsync(id, (string)current["rev"]!);
                    lock (gate) Console.WriteLine($"ACK {id} deleted");
                    continue;
                }
                var doc = new JsonObject { ["id"] = id, ["n"] = random.Next(50), ["pad"] = new string('x', random.Next(10, 200)) };
                if (random.Next(5) > 0) doc["type"] = random.Next(3) switch { 0 => "order", 1 => "note", _ => JsonValue.Create(random.Next(3)) };
                if (random.Next(3) > 0) doc["g"] = new JsonObject { ["h"] = random.Next(10) };
                if (current is not null) doc["rev"] = current["rev"]!.GetValue<string>();
                var saved = await db.SaveDocAsync(doc);
                lock (gate) Console.WriteLine($"ACK {id} {(string)saved["rev"]!}");
            }
        })).ToArray();
        await Task.WhenAll(workers);
        return 0;
    }
}
