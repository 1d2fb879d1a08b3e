// A peer process for chaos tests and the soak: opens a MyNoSqlDb, adds the mirrors, then loops "save a few records
// (new ones and updates of its own), one sync round". After a round that succeeded and left the outbox empty, every
// record saved before the round is acknowledged (durable locally, pushed to a write quorum of mirrors): it appends
// "id rev" lines for them to the journal and fsyncs it, then prints "ACKED <total>". The parent may SIGKILL it at any
// moment ("SYNC" is printed as a round starts); restarted on the same directory it resumes, and the outbox pushes what
// the killed round did not. Closing stdin asks for a clean finish: sync until the outbox is empty, journal, "DONE".
// Usage: MyNoSql.PeerWorker --data DIR --db NAME --mirror URL [--mirror URL…] --prefix P
//        [--journal FILE] [--keys N (0: new ids forever; N: updates within N ids)] [--mirror-mode] [--seed S]
//        [--batch N] [--pause-ms N]
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql;

if (args.Length > 0 && args[0] == "lock")
{
    await LockHolder.RunAsync(args[1..]); // a lock holder (LockHolder.cs)
    return 0;
}
var opts = WorkerOptions.Parse(args);
var options = new MyNoSqlOptions
{
    DataDirectory = opts.Data,
    SyncInterval = Timeout.InfiniteTimeSpan, // this loop drives the rounds, so a kill lands in a known phase
    SyncRequestTimeout = TimeSpan.FromSeconds(15),
};
await using var db = await MyNoSqlDb.OpenAsync(opts.Db, options);
if (opts.MirrorMode && db.Mode != DbMode.Mirror) await db.SetModeAsync(DbMode.Mirror);
foreach (var m in opts.Mirrors) await db.AddPeerAsync(m);

await using var journal = opts.Journal is null ? null : new FileStream(opts.Journal, FileMode.Append, FileAccess.Write, FileShare.Read);
var random = new Random(opts.Seed);
// This run's own ids never collide with an earlier run's (a killed run may have saved ids it never journaled).
string run = DateTime.UtcNow.ToString("HHmmssfff", CultureInfo.InvariantCulture) + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
var mine = new List<string>();
await foreach (var id in db.ListIdsAsync(opts.Prefix)) mine.Add(id);
var unacked = new Dictionary<string, string>(StringComparer.Ordinal);
long acked = 0, n = 0;
var stop = new TaskCompletionSource();
_ = Task.Run(async () =>
{
    await Console.In.ReadToEndAsync();
    stop.TrySetResult();
});
Say("READY");

while (!stop.Task.IsCompleted)
{
    int count = 1 + random.Next(opts.Batch);
    for (int i = 0; i < count; i++)
    {
        JsonObject doc;
        bool created = false;
        if (opts.Keys > 0)
        {
            string id = $"{opts.Prefix}k{random.Next(opts.Keys)}";
            var current = await db.ReadDocAsync(id);
            doc = current ?? new JsonObject { ["id"] = id };
        }
        else if (mine.Count > 0 && random.Next(4) == 0)
        {
            doc = await db.ReadDocAsync(mine[random.Next(mine.Count)]) ?? throw new InvalidOperationException("an own record vanished");
        }
        else
        {
            doc = new JsonObject { ["id"] = $"{opts.Prefix}{run}/{n++}" };
            created = true;
        }
        doc["n"] = n;
        doc["pad"] = new string((char)('a' + random.Next(26)), random.Next(20, 400));
        var saved = await db.SaveDocAsync(doc);
        string savedId = (string)saved["id"]!;
        if (created) mine.Add(savedId);
        unacked[savedId] = (string)saved["rev"]!;
    }
    await SyncOnceAsync();
    if (opts.PauseMs > 0) await Task.WhenAny(stop.Task, Task.Delay(opts.PauseMs));
}

// Clean finish: push everything that is left (mirrors may still be healing).
var deadline = DateTime.UtcNow.AddSeconds(90);
while (DateTime.UtcNow < deadline)
{
    if (await SyncOnceAsync()) break;
    await Task.Delay(200);
}
Say(db.GetSyncStatus().PendingWrites == 0 ? "DONE" : $"PENDING {db.GetSyncStatus().PendingWrites}");
return 0;

// One round; true when it succeeded and the outbox is empty (then everything saved so far is journaled).
async Task<bool> SyncOnceAsync()
{
    Say("SYNC");
    try
    {
        await db.SyncAsync();
    }
    catch (MyNoSqlException e)
    {
        Say("ERR " + e.Message.ReplaceLineEndings(" "));
        return false;
    }
    if (db.GetSyncStatus().PendingWrites != 0) return false;
    if (unacked.Count > 0)
    {
        if (journal is not null)
        {
            var text = new StringBuilder();
            foreach (var (id, rev) in unacked) text.Append(id).Append(' ').Append(rev).Append('\n');
            await journal.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()));
            journal.Flush(flushToDisk: true);
        }
        acked += unacked.Count;
        unacked.Clear();
    }
    Say($"ACKED {acked}");
    return true;
}

static void Say(string line)
{
    Console.Out.WriteLine(line);
    Console.Out.Flush();
}

internal sealed record WorkerOptions(string Data, string Db, List<string> Mirrors, string Prefix, string? Journal, int Keys,
    bool MirrorMode, int Seed, int Batch, int PauseMs)
{
    public static WorkerOptions Parse(string[] args)
    {
        string? data = null, db = null, journal = null, prefix = "p/";
        var mirrors = new List<string>();
        int keys = 0, seed = Environment.ProcessId, batch = 5, pause = 0;
        bool mirrorMode = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--data": data = Next(); break;
                case "--db": db = Next(); break;
                case "--mirror": mirrors.Add(Next()); break;
                case "--prefix": prefix = Next(); break;
                case "--journal": journal = Next(); break;
                case "--keys": keys = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--mirror-mode": mirrorMode = true; break;
                case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--batch": batch = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--pause-ms": pause = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        if (data is null || db is null || mirrors.Count == 0) throw new ArgumentException("--data, --db and at least one --mirror are required");
        return new WorkerOptions(data, db, mirrors, prefix, journal, keys, mirrorMode, seed, Math.Max(1, batch), pause);
    }
}
