using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.AttachmentBench;
using MyNoSql.MirrorAttachmentBench;

// Attachment throughput and memory on the mirrors (issue 15, DESIGN §9): N real mirror processes; a generated body of
// --size-mib MiB (default 1024) is PUT streamed (chunked) to the first mirror, which stores it and copies it to a write
// quorum before it answers 201; then it is read back with GET (SHA-256 checked against the stub's digest). Compared with
// the disk's sequential write rate measured in the same run on the same file system (1 MiB writes + one fsync, like
// `dd bs=1M conv=fdatasync`). Memory: each mirror's peak resident set during a phase minus its resident set before it.
// --sync adds the peers' path: a MyNoSqlDb in this process stores another body of the same size locally (not timed), then
// one SyncAsync uploads it through the first mirror (missing-check, chunk PUTs one at a time, manifest, record) — timed;
// then a new Mirror-mode MyNoSqlDb pulls the database with every body (2 × the size + the warm-up bodies) — timed.
// Usage: dotnet run -c Release --project bench/MyNoSql.MirrorAttachmentBench -- [--mirrors N] [--size-mib N] [--sync] [--silo DLL] [--json F]
var argv = args.ToList();
string? Arg(string name) { int i = argv.IndexOf(name); return i >= 0 && i + 1 < argv.Count ? argv[i + 1] : null; }
int mirrors = int.Parse(Arg("--mirrors") ?? "3", CultureInfo.InvariantCulture);
long sizeMib = long.Parse(Arg("--size-mib") ?? "1024", CultureInfo.InvariantCulture);
string siloDll = Path.GetFullPath(Arg("--silo") ?? Path.Combine(FindRepo(), "src", "Silo", "bin", "Release", "net10.0", "MyNoSql.Silo.dll"));
string root = Arg("--dir") ?? Path.Combine(Path.GetTempPath(), "mynosql-mirror-attbench-" + Guid.NewGuid().ToString("N")[..8]);
long size = sizeMib << 20;
const long WarmUpBytes = 32L << 20;
var culture = CultureInfo.InvariantCulture;
static double Mbps(long bytes, TimeSpan t) => bytes / 1e6 / t.TotalSeconds;
static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
static double Mib(long bytes) => Math.Round(bytes / 1048576.0, 1);

Directory.CreateDirectory(root);
try
{
    Console.WriteLine($"mirror attachment bench: {mirrors} mirrors, {sizeMib} MiB random body, dir {root}, load {Load()}");
    var diskTime = DiskRate.Measure(Path.Combine(root, "dd.tmp"), size);
    double disk = Mbps(size, diskTime);
    Console.WriteLine(string.Create(culture, $"disk sequential write (1 MiB writes + fsync): {disk:F0} MB/s ({diskTime.TotalSeconds:F2} s)"));

    await using var cluster = await MirrorProcesses.StartAsync(siloDll, mirrors, root, "--max-attachment-bytes", $"{Math.Max(size, 8L << 20)}");
    using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
    string url = $"{cluster.Urls[0]}/db/attbench/doc";
    // Warm-up (JIT, pools, connections) on every path the measured run takes, as in the peer bench: the runtime counts
    // calls only once 100 ms pass without a new method compiled, and with dynamic PGO a hot method is compiled twice more
    // (after 30 and 60 calls); the per-chunk methods run once per MiB. A single 3 MiB warm-up left that JIT work (~8 % of
    // the mirror's CPU in a perf profile) inside the measured put, which a long-running mirror does not pay. So bodies of
    // 32 MiB, put and read, for at least 2 s, then a pause.
    long warmUp = Math.Min(WarmUpBytes, size), warmed = 0;
    var warming = Stopwatch.StartNew();
    for (int pass = 0; pass < 2 || warming.Elapsed < TimeSpan.FromSeconds(2); pass++)
    {
        await PutAsync(http, $"{url}/warm{pass}/att/w", warmUp);
        await ReadAsync(http, $"{url}/warm{pass}/att/w");
        warmed += warmUp;
    }
    string expected = ExpectedDigest(size);

    using var rss = new PeakRss(cluster);
    await Task.Delay(500);
    var before = rss.Reset();
    var sw = Stopwatch.StartNew();
    var rev = await PutAsync(http, $"{url}/big/att/body.bin", size);
    var putTime = sw.Elapsed;
    var putPeaks = rss.Peaks();

    var beforeRead = rss.Reset();
    sw.Restart();
    var (digest, read) = await ReadAsync(http, $"{url}/big/att/body.bin");
    var readTime = sw.Elapsed;
    var readPeaks = rss.Peaks();
    var record = JsonNode.Parse(await http.GetStringAsync($"{url}/big"))!;
    string stubDigest = (string)record["_attachments"]!["body.bin"]!["digest"]!;
    bool ok = read == size && digest == expected && stubDigest == expected;

    double? sync = null, pull = null;
    if (argv.Contains("--sync"))
    {
        sync = Mbps(size, await SyncUploadAsync(cluster.Urls[0], Path.Combine(root, "peer"), size));
        // Mirror mode pulls every body the database names: the warm-up's, the put's and the peer's.
        pull = Mbps(2 * size + warmed, await SyncDownloadAsync(cluster.Urls[0], Path.Combine(root, "peer2")));
    }

    double put = Mbps(size, putTime), get = Mbps(size, readTime);
    var result = new
    {
        mirrors,
        size_mib = sizeMib,
        disk_write_mbps = Math.Round(disk),
        put_mbps = Math.Round(put),
        put_vs_disk = Math.Round(put / disk, 2),
        read_mbps = Math.Round(get),
        put_rss_growth_mib = Enumerable.Range(0, mirrors).Select(i => Mib(putPeaks[i] - before[i])).ToArray(),
        read_rss_growth_mib = Enumerable.Range(0, mirrors).Select(i => Mib(readPeaks[i] - beforeRead[i])).ToArray(),
        rss_before_mib = before.Select(Mib).ToArray(),
        sync_upload_mbps = sync is { } s ? Math.Round(s) : (double?)null,
        sync_download_mbps = pull is { } p ? Math.Round(p) : (double?)null,
        digest_ok = ok,
        rev,
        load = Load(),
    };
    Console.WriteLine(string.Create(culture, $"put  {put:F0} MB/s ({putTime.TotalSeconds:F2} s) = {put / disk:F2}× disk; RSS growth per mirror {string.Join(", ", result.put_rss_growth_mib)} MiB"));
    Console.WriteLine(string.Create(culture, $"read {get:F0} MB/s ({readTime.TotalSeconds:F2} s); RSS growth per mirror {string.Join(", ", result.read_rss_growth_mib)} MiB; digest {(ok ? "ok" : "MISMATCH")}"));
    if (sync is { } synced) Console.WriteLine(string.Create(culture, $"peer sync upload {synced:F0} MB/s = {synced / disk:F2}× disk"));
    if (pull is { } pulled) Console.WriteLine(string.Create(culture, $"peer sync download (Mirror mode) {pulled:F0} MB/s = {pulled / disk:F2}× disk"));
    string json = JsonSerializer.Serialize(result);
    Console.WriteLine(json);
    if (Arg("--json") is { } jsonOut) await File.WriteAllTextAsync(jsonOut, json + Environment.NewLine);
    return ok ? 0 : 1;
}
finally
{
    if (Arg("--dir") is null)
    {
        try { Directory.Delete(root, recursive: true); }
        catch (IOException) { }
    }
}

// A peer's body (another seed: no chunk is already on the mirrors) stored locally, then one timed sync to the mirror.
static async Task<TimeSpan> SyncUploadAsync(string mirror, string directory, long length)
{
    await using var db = await MyNoSql.MyNoSqlDb.OpenAsync("attbench", new MyNoSql.MyNoSqlOptions { DataDirectory = directory, SyncInterval = Timeout.InfiniteTimeSpan });
    await using (var body = new BodyStream(length, compressible: false, seed: 4242))
        await db.PutAttachmentAsync("synced", null, "body.bin", body, "application/octet-stream");
    return await TimedSyncAsync(db, mirror);
}

// A new Mirror-mode peer pulls everything from the mirror, the uploaded body included (bodies come before their records).
static async Task<TimeSpan> SyncDownloadAsync(string mirror, string directory)
{
    await using var db = await MyNoSql.MyNoSqlDb.OpenAsync("attbench", new MyNoSql.MyNoSqlOptions { DataDirectory = directory, SyncInterval = Timeout.InfiniteTimeSpan });
    await db.SetModeAsync(MyNoSql.DbMode.Mirror);
    var elapsed = await TimedSyncAsync(db, mirror);
    await using (var body = await db.OpenAttachmentAsync("synced", "body.bin")) { } // held locally: opens without the mirror
    return elapsed;
}

// One sync round with the mirror, timed; a round that ended with an error fails the bench.
static async Task<TimeSpan> TimedSyncAsync(MyNoSql.MyNoSqlDb db, string mirror)
{
    await db.AddPeerAsync(mirror);
    var sw = Stopwatch.StartNew();
    await db.SyncAsync();
    var elapsed = sw.Elapsed;
    if (db.GetSyncStatus().LastError is { } error) throw new InvalidOperationException($"sync with {mirror} failed: {error}");
    return elapsed;
}

static async Task<string> PutAsync(HttpClient http, string url, long length)
{
    var content = new StreamContent(new BodyStream(length, compressible: false), 1 << 20);
    content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
    using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = content };
    request.Headers.TransferEncodingChunked = true;
    using var response = await http.SendAsync(request);
    string text = await response.Content.ReadAsStringAsync();
    if ((int)response.StatusCode != 201) throw new InvalidOperationException($"PUT {url}: {(int)response.StatusCode} {text}");
    return (string)JsonNode.Parse(text)!["rev"]!;
}

static async Task<(string Digest, long Length)> ReadAsync(HttpClient http, string url)
{
    using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
    response.EnsureSuccessStatusCode();
    await using var body = await response.Content.ReadAsStreamAsync();
    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    var buffer = new byte[1 << 20];
    long total = 0;
    int n;
    while ((n = await body.ReadAsync(buffer)) > 0)
    {
        hash.AppendData(buffer, 0, n);
        total += n;
    }
    return ("sha256-" + Convert.ToBase64String(hash.GetHashAndReset()), total);
}

static string ExpectedDigest(long length)
{
    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    using var body = new BodyStream(length, compressible: false);
    var buffer = new byte[1 << 20];
    int n;
    while ((n = body.Read(buffer)) > 0) hash.AppendData(buffer, 0, n);
    return "sha256-" + Convert.ToBase64String(hash.GetHashAndReset());
}

static string FindRepo()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "MyNoSql.sln"))) return dir.FullName;
    }
    return Directory.GetCurrentDirectory();
}
