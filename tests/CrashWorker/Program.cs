// A child process for crash tests: saves records and prints "ACK <id> <rev>" only after each save returned
// (i.e. is durable). The parent kills it with SIGKILL at a random moment and checks every ACK survived.
// Usage: worker save <dataDir> <dbName> <workerTasks> <sealThresholdBytes> <idPrefix>
//        worker hold <dataDir> <dbName>      (opens the database, prints READY, waits for stdin to close)
//        worker index <dataDir> <dbName> <workerTasks> (creates two indexes, then saves and deletes random records of
//                                             a small id space with a tiny memtable so index runs flush and merge;
//                                             prints "ACK <id> <rev>" / "ACK <id> deleted" after each call returned)
//        worker att <dataDir> <dbName> <idPrefix>   (puts attachments; "ACK <id> <rev> <digest> <length>" after each)
//        worker sync <dataDir> <dbName>      (one sync round with the remembered mirrors; prints "PROGRESS <writes to
//                                             push> <records fetched>" after every batch, then DONE)
using System.Text.Json.Nodes;
using MyNoSql;

string mode = args[0];
var options = new MyNoSqlOptions { DataDirectory = args[1] };
if (mode == "hold")
{
    await using var held = await MyNoSqlDb.OpenAsync(args[2], options);
    Console.WriteLine("READY");
    Console.Out.Flush();
    await Console.In.ReadToEndAsync();
    return 0;
}

if (mode == "sync")
{
    options.SyncInterval = Timeout.InfiniteTimeSpan;
    options.SyncProgress = new Progress(p => { Console.WriteLine($"PROGRESS {p.WritesToPush} {p.RecordsFetched}"); Console.Out.Flush(); });
    await using var syncing = await MyNoSqlDb.OpenAsync(args[2], options);
    await syncing.SyncAsync();
    Console.WriteLine("DONE");
    return 0;
}

if (mode == "att") return await AttachmentWorker.RunAsync(options, args[2], args[3]);

if (mode == "index") return await IndexWorker.RunAsync(options, args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));

int tasks = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
options.LogSealThresholdBytes = long.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture);
await using var db = await MyNoSqlDb.OpenAsync(args[2], options);
var output = Console.Out;
var gate = new Lock();
string prefix = args[5];
Console.WriteLine("READY");
var workers = Enumerable.Range(0, tasks).Select(t => Task.Run(async () =>
{
    var random = new Random(Environment.ProcessId * 31 + t);
    var revs = new Dictionary<string, string>();
    for (long n = 0; ; n++)
    {
        // Mostly new records, some updates of this task's own records, some batches.
        if (revs.Count > 0 && random.Next(4) == 0)
        {
            var id = revs.Keys.ElementAt(random.Next(revs.Count));
            var saved = await db.SaveDocAsync(new JsonObject { ["id"] = id, ["rev"] = revs[id], ["n"] = n, ["pad"] = new string('u', random.Next(10, 400)) });
            revs[id] = (string)saved["rev"]!;
            lock (gate) output.WriteLine($"ACK {id} {revs[id]}");
        }
        else if (random.Next(10) == 0)
        {
            var batch = Enumerable.Range(0, 20).Select(i => new JsonObject { ["id"] = $"{prefix}/w{t}/b{n}/{i}", ["n"] = n, ["pad"] = new string('b', random.Next(10, 300)) }).ToList();
            var saved = await db.SaveDocsAsync(batch);
            lock (gate) foreach (var s in saved) output.WriteLine($"ACK {(string)s["id"]!} {(string)s["rev"]!}");
        }
        else
        {
            var id = $"{prefix}/w{t}/r{n}";
            var saved = await db.SaveDocAsync(new JsonObject { ["id"] = id, ["n"] = n, ["pad"] = new string('x', random.Next(10, 600)) });
            revs[id] = (string)saved["rev"]!;
            if (revs.Count > 200) revs.Remove(revs.Keys.First());
            lock (gate) output.WriteLine($"ACK {id} {revs[id]}");
        }
    }
})).ToArray();
await Task.WhenAll(workers);
return 0;

/// <summary>Reports synchronously on the reporting thread (System.Progress would post to the thread pool, late).</summary>
internal sealed class Progress(Action<SyncProgress> report) : IProgress<SyncProgress>
{
    public void Report(SyncProgress value) => report(value);
}
