using System.Diagnostics;
using System.Text.Json.Nodes;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>The measured scenarios; each returns a rate or a size so the report can compare engines.</summary>
internal static class Measure
{
    /// <summary>
    /// A full blocking, compacting collection after the harness built its documents and before anything is timed: the
    /// documents then sit in gen 2 and the background collection their allocation would start does not run on the other
    /// core during the first timed saves (on this 2-core VM a busy second core slows every fdatasync), charged to
    /// whichever engine comes first. Both engines' fresh processes do the same.
    /// </summary>
    public static void SettleHeap()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    public static Task<IBenchEngine> OpenAsync(EngineKind kind, string dir, bool durable) => kind switch
    {
        EngineKind.MyNoSql => MyNoSqlEngine.OpenAsync(dir, durable),
        EngineKind.Sqlite => SqliteEngine.OpenAsync(dir, durable),
        _ => LiteDbEngine.OpenAsync(dir, durable),
    };

    /// <summary>
    /// Single-document saves, each its own durable (or relaxed) commit, by <paramref name="callers"/> concurrent callers
    /// for a fixed time or <paramref name="maxDocs"/> documents, whichever ends first, taking documents from
    /// <paramref name="start"/> on (so runs on one database never collide). Returns the rate and the next unused index.
    /// </summary>
    public static async Task<(double Rate, int Next)> SinglesAsync(IBenchEngine engine, List<JsonObject> docs, int start, int callers, TimeSpan duration, int maxDocs = int.MaxValue)
    {
        long next = start - 1;
        int stop = (int)Math.Min(docs.Count, (long)start + maxDocs);
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            while (sw.Elapsed < duration)
            {
                long i = Interlocked.Increment(ref next);
                if (i >= stop) break;
                await engine.SaveAsync((string)docs[(int)i]["id"]!, docs[(int)i]);
            }
        })));
        int end = (int)Math.Min(next + 1, stop);
        return ((end - start) / sw.Elapsed.TotalSeconds, end);
    }

    /// <summary>Loads every document in batches of <paramref name="batchSize"/>; returns docs/s.</summary>
    public static async Task<double> BatchedAsync(IBenchEngine engine, IEnumerable<JsonObject> docs, int batchSize, Action<int>? progress = null)
    {
        // Takes the documents as a stream so a million-document load never holds them all.
        var sw = Stopwatch.StartNew();
        var batch = new List<(string, JsonObject)>(batchSize);
        int n = 0;
        foreach (var doc in docs)
        {
            batch.Add(((string)doc["id"]!, doc));
            if (batch.Count < batchSize) continue;
            await engine.SaveBatchAsync(batch);
            n += batch.Count;
            batch.Clear();
            progress?.Invoke(n);
        }
        if (batch.Count > 0)
        {
            await engine.SaveBatchAsync(batch);
            n += batch.Count;
            progress?.Invoke(n);
        }
        return n / sw.Elapsed.TotalSeconds;
    }

    /// <summary>Runs <paramref name="pass"/> until at least <paramref name="minimum"/> has passed (once at least).</summary>
    public static async Task WarmUpAsync(Func<Task<double>> pass, TimeSpan minimum)
    {
        var sw = Stopwatch.StartNew();
        do await pass();
        while (sw.Elapsed < minimum);
    }

    /// <summary>Random point reads (each parsed to a JsonObject); throws if any id is missing.</summary>
    public static async Task<double> ReadsAsync(IBenchEngine engine, IReadOnlyList<string> ids, int count, int seed)
    {
        var rng = new Random(seed);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < count; i++) await ReadOneAsync(engine, ids[rng.Next(ids.Count)]);
        return count / sw.Elapsed.TotalSeconds;
    }

    /// <summary>Point reads where a few records take most of them: YCSB's default request distribution, Zipf with
    /// exponent 0.99 over the ids in a fixed shuffled order (the same hot records for every engine and every call), the
    /// picks drawn with <paramref name="seed"/> before the clock starts.</summary>
    public static async Task<double> HotReadsAsync(IBenchEngine engine, IReadOnlyList<string> ids, int count, int seed)
    {
        var ranked = ids.ToArray();
        new Random(4).Shuffle(ranked);
        var cdf = new double[ranked.Length];
        double total = 0;
        for (int r = 0; r < cdf.Length; r++) cdf[r] = total += 1 / Math.Pow(r + 1, 0.99);
        var rng = new Random(seed);
        var picks = new string[count];
        for (int i = 0; i < count; i++)
        {
            int r = Array.BinarySearch(cdf, rng.NextDouble() * total);
            picks[i] = ranked[Math.Min(r < 0 ? ~r : r, ranked.Length - 1)];
        }
        var sw = Stopwatch.StartNew();
        foreach (string id in picks) await ReadOneAsync(engine, id);
        return count / sw.Elapsed.TotalSeconds;
    }

    private static async Task ReadOneAsync(IBenchEngine engine, string id)
    {
        var doc = await engine.ReadAsync(id) ?? throw new InvalidOperationException($"read of '{id}' returned nothing");
        if (doc.Count == 0) throw new InvalidOperationException("empty document");
    }

    /// <summary>Drops the OS page cache of every file under <paramref name="dir"/> (posix_fadvise DONTNEED; no root needed).</summary>
    public static void EvictPageCache(string dir)
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists(dir)) return;
        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            try
            {
                using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                _ = Native.posix_fadvise((int)handle.DangerousGetHandle(), 0, 0, 4 /* POSIX_FADV_DONTNEED */);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    public static long DirectoryBytes(string dir) =>
        Directory.Exists(dir) ? new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    /// <summary>Peak resident set (VmHWM) of this process in bytes; 0 where /proc is absent.</summary>
    public static long PeakRss()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        return 0;
    }
}

internal static partial class Native
{
    [System.Runtime.InteropServices.LibraryImport("libc")]
    internal static partial int posix_fadvise(int fd, long offset, long length, int advice);

    [System.Runtime.InteropServices.LibraryImport("libc", SetLastError = true)]
    internal static partial int fdatasync(int fd);

    [System.Runtime.InteropServices.LibraryImport("libc", SetLastError = true)]
    internal static partial int fsync(int fd);
}
