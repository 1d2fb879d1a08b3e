using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using MyNoSql;
using MyNoSql.AttachmentBench;

// Attachment throughput and memory on a peer (issue 15): put a generated body of --size-mib MiB (default 1024) through
// MyNoSqlDb.PutAttachmentAsync (durable), read it back through OpenAttachmentAsync (digest checked), and compare with
// the disk's sequential write rate measured in the same run (write the same size in 1 MiB writes + one fsync, like
// `dd bs=1M conv=fdatasync`). Memory: peak resident set during each phase minus the resident set before it.
// Usage: dotnet run -c Release --project bench/MyNoSql.AttachmentBench -- [--size-mib N] [--compressible] [--dir D] [--json F]
var argv = args.ToList();
string? Arg(string name) { int i = argv.IndexOf(name); return i >= 0 && i + 1 < argv.Count ? argv[i + 1] : null; }
long sizeMib = long.Parse(Arg("--size-mib") ?? "1024", CultureInfo.InvariantCulture);
bool compressible = argv.Contains("--compressible");
string root = Arg("--dir") ?? Path.Combine(Path.GetTempPath(), "mynosql-attbench-" + Guid.NewGuid().ToString("N")[..8]);
string? jsonOut = Arg("--json");
long size = sizeMib << 20;
Directory.CreateDirectory(root);
var culture = CultureInfo.InvariantCulture;
static double Mbps(long bytes, TimeSpan t) => bytes / 1e6 / t.TotalSeconds;
static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

try
{
    Console.WriteLine($"attachment bench: {sizeMib} MiB {(compressible ? "compressible (JSON lines)" : "random")} body, dir {root}, load {Load()}");

    // 1. The disk's sequential write rate, same size, same file system.
    var diskTime = DiskRate.Measure(Path.Combine(root, "dd.tmp"), size);
    double disk = Mbps(size, diskTime);
    Console.WriteLine(string.Create(culture, $"disk sequential write (1 MiB writes + fsync): {disk:F0} MB/s ({diskTime.TotalSeconds:F2} s)"));

    await using var db = await MyNoSqlDb.OpenAsync("attbench", new MyNoSqlOptions { DataDirectory = root, SyncInterval = Timeout.InfiniteTimeSpan });
    // Warm-up: JIT and pools, so the figures below measure the steady state. The per-chunk methods run once per MiB. The
    // runtime starts counting calls only once 100 ms pass without a new method compiled, and with dynamic PGO a hot method
    // is then compiled twice more (after 30 and 60 calls): a single warm-up body (3, 64 or 256 MiB; `DOTNET_JitStdOutFile`
    // with `DOTNET_JitDisasmSummary=1` lists the compiles) left the per-chunk methods' final compiles inside the timed
    // put. So bodies of 32 MiB, put and read, for at least 2 s, then a pause for the compiles still queued.
    long warmUp = Math.Min(32L << 20, size), warmed = 0;
    var warming = Stopwatch.StartNew();
    for (int pass = 0; pass < 2 || warming.Elapsed < TimeSpan.FromSeconds(2); pass++)
    {
        await db.PutAttachmentAsync($"warm{pass}", null, "w", new BodyStream(warmUp, compressible, seed: 7 + pass));
        await using (var s = await db.OpenAttachmentAsync($"warm{pass}", "w")) await s.CopyToAsync(Stream.Null);
        warmed += warmUp;
    }
    await Task.Delay(500);

    // The generated body's 16 MiB pool is allocated before the baseline: it is the test's data, not the store's memory.
    var bigBody = new BodyStream(size, compressible);
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    long managedBefore = GC.GetTotalMemory(forceFullCollection: true);
    long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    using var memory = new ProcessMemory();
    long rssBefore = ProcessMemory.Rss();
    memory.Reset();

    // 2. Put (returns once chunks, manifest and the stub revision are durable).
    var sw = Stopwatch.StartNew();
    var saved = await db.PutAttachmentAsync("big", null, "body.bin", bigBody, "application/octet-stream");
    var putTime = sw.Elapsed;
    long putPeak = memory.Peak;
    long managedAfterPut = GC.GetTotalMemory(forceFullCollection: false);
    string digest = (string)saved["_attachments"]!["body.bin"]!["digest"]!;

    // 3. Read back, checking the digest.
    memory.Reset();
    long rssBeforeRead = ProcessMemory.Rss();
    sw.Restart();
    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    long read = 0;
    var buffer = new byte[1 << 20];
    await using (var s = await db.OpenAttachmentAsync("big", "body.bin"))
    {
        int n;
        while ((n = await s.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            read += n;
        }
    }
    var readTime = sw.Elapsed;
    long readPeak = memory.Peak;
    bool digestOk = "sha256-" + Convert.ToBase64String(hash.GetHashAndReset()) == digest && read == size;
    long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
    long onDisk = Directory.EnumerateFiles(Path.Combine(root, "attbench", "attachments"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    double put = Mbps(size, putTime), get = Mbps(size, readTime);
    var result = new
    {
        size_mib = sizeMib,
        body = compressible ? "compressible" : "random",
        disk_write_mbps = Math.Round(disk),
        put_mbps = Math.Round(put),
        put_vs_disk = Math.Round(put / disk, 2),
        read_mbps = Math.Round(get),
        put_rss_growth_mib = Math.Round((putPeak - rssBefore) / 1048576.0, 1),
        read_rss_growth_mib = Math.Round((readPeak - rssBeforeRead) / 1048576.0, 1),
        managed_growth_mib = Math.Round((managedAfterPut - managedBefore) / 1048576.0, 1),
        allocated_mib = Math.Round(allocated / 1048576.0, 1),
        stored_vs_body = Math.Round(onDisk / (double)(size + warmed), 3),
        digest_ok = digestOk,
        load = Load(),
    };
    Console.WriteLine(string.Create(culture, $"put  {put:F0} MB/s ({putTime.TotalSeconds:F2} s) = {put / disk:F2}× disk; RSS growth {result.put_rss_growth_mib} MiB (before {rssBefore >> 20} MiB)"));
    Console.WriteLine(string.Create(culture, $"read {get:F0} MB/s ({readTime.TotalSeconds:F2} s); RSS growth {result.read_rss_growth_mib} MiB; digest {(digestOk ? "ok" : "MISMATCH")}"));
    Console.WriteLine(string.Create(culture, $"managed heap growth {result.managed_growth_mib} MiB, allocated {result.allocated_mib} MiB in put+read; stored/raw {result.stored_vs_body}; load {result.load}"));
    string json = JsonSerializer.Serialize(result);
    Console.WriteLine(json);
    if (jsonOut is not null) await File.WriteAllTextAsync(jsonOut, json + Environment.NewLine);
    return digestOk ? 0 : 1;
}
finally
{
    if (Arg("--dir") is null)
    {
        try { Directory.Delete(root, recursive: true); }
        catch (IOException) { }
    }
}

