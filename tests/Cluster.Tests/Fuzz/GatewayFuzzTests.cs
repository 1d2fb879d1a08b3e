using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace MyNoSql.Cluster.Tests.Fuzz;

/// <summary>
/// Thousands of seeded, mutated requests against every gateway route: only 2xx or 4xx (4xx with the JSON error
/// body), never a 5xx or silence; /healthz stays 200 throughout; records stored before the fuzz read back
/// byte-for-byte unchanged unless a fuzzed request legitimately rewrote them (tracked); databases the fuzz wrote
/// into stay readable.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class GatewayFuzzTests(MirrorFixture fixture, ITestOutputHelper output)
{
    private const int Workers = 6;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Fuzzed_requests_get_only_2xx_or_4xx_and_stored_records_stay_unchanged()
    {
        int seed = FuzzRun.Seed(output, "gateway fuzz");
        int count = FuzzRun.Count(3000);
        string tag = new Random(seed).Next(1 << 20).ToString("x5", System.Globalization.CultureInfo.InvariantCulture);
        var corpus = await SeedAsync(tag);
        var before = await SnapshotAsync(corpus);
        Assert.Equal(corpus.BaseIds.Count, before.Count);

        var failures = new ConcurrentQueue<string>();
        var touched = new ConcurrentDictionary<string, string>();
        var writes = new ConcurrentQueue<string>();
        var accepted = new ConcurrentDictionary<string, byte>();
        var statuses = new ConcurrentDictionary<int, int>();
        int sent = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            var fuzzer = new RequestFuzzer(new Random(seed + w), corpus);
            for (int i = w; i < count && failures.Count < 10; i += Workers)
            {
                var request = fuzzer.Next(i);
                if (IsDatabaseDrop(request)) continue;
                Interlocked.Increment(ref sent);
                RawResponse response;
                try
                {
                    response = await RawHttp.SendAsync(fixture.Port, request.ToBytes(), request.IsHead, RequestTimeout);
                }
                catch (Exception e) when (e is TimeoutException or IOException or System.Net.Sockets.SocketException)
                {
                    failures.Enqueue($"seed {seed} worker {w} {request}: {e.GetType().Name} {e.Message}");
                    continue;
                }
                statuses.AddOrUpdate(response.Status, 1, (_, n) => n + 1);
                if (request.Violation(response) is { } violation)
                    failures.Enqueue($"seed {seed} worker {w} {request}: {violation}");
                if (response.Status is >= 200 and < 300 && request.Method is "POST" or "PUT" or "DELETE")
                {
                    Track(request, response, corpus, touched, accepted);
                    writes.Enqueue($"{request.Method} {(request.Target.Length > 200 ? request.Target[..200] : request.Target)} → {response.Status} {(response.Text.Length > 200 ? response.Text[..200] : response.Text)}");
                }
                if (i % 500 < Workers)
                {
                    using var health = await fixture.Http.GetAsync($"{fixture.Url}/healthz");
                    if (health.StatusCode != HttpStatusCode.OK) failures.Enqueue($"seed {seed}: /healthz {(int)health.StatusCode} after request {i}");
                }
            }
        })));
        double seconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"{sent} requests in {seconds:F1} s ({sent / seconds:F0}/s); statuses: " +
            string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        output.WriteLine($"accepted writes: {accepted.Count} new records in the fuzz databases; baseline records legitimately rewritten: {touched.Count}");
        foreach (var (id, how) in touched) output.WriteLine($"  baseline '{id}' rewritten by {(how.Length > 160 ? how[..160] + "…" : how)}");
        Assert.True(failures.IsEmpty, $"{failures.Count} bad answers (first 10):\n{string.Join("\n", failures.Take(10))}\nmirror output tail:\n{HostileInputTests.Tail(fixture.Mirror.Output)}");

        using (var health = await fixture.Http.GetAsync($"{fixture.Url}/healthz"))
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        // An exception after the answer had started reaches no client as a 5xx, but the gateway logs it.
        Assert.False(fixture.Mirror.HasExited, "the mirror process exited");
        Assert.DoesNotContain("Unexpected error handling", fixture.Mirror.Output, StringComparison.Ordinal);
        var after = await SnapshotAsync(corpus);
        foreach (var (id, bytes) in before)
        {
            if (touched.ContainsKey(id)) continue;
            Assert.True(after.TryGetValue(id, out var now) && now.AsSpan().SequenceEqual(bytes),
                $"seed {seed}: record '{id}' changed without an accepted write: before {Encoding.UTF8.GetString(bytes)}, after {(now is null ? "missing" : Encoding.UTF8.GetString(now))}\n" +
                $"successful writes naming it:\n{string.Join("\n", writes.Where(w => w.Contains(id, StringComparison.Ordinal) || w.Contains(Uri.EscapeDataString(id), StringComparison.Ordinal)))}");
        }
        Assert.True(touched.Count < before.Count / 2, "the fuzz rewrote most of the baseline, so the check above proved little");

        // Databases the fuzz wrote into are still readable: listing, the local digest and every accepted record.
        foreach (string db in corpus.FuzzDbs.Append(corpus.BaseDb))
        {
            using var list = await fixture.Http.GetAsync($"{fixture.Url}/db/{db}/docs?limit=10000");
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            using var local = await fixture.Http.GetAsync($"{fixture.Url}/_mirror/local/{db}");
            Assert.Equal(HttpStatusCode.OK, local.StatusCode);
        }
        foreach (string key in accepted.Keys.Take(300))
        {
            int slash = key.IndexOf('/', StringComparison.Ordinal);
            using var read = await fixture.Http.GetAsync($"{fixture.Url}/db/{key[..slash]}/doc/{Uri.EscapeDataString(key[(slash + 1)..])}");
            Assert.True(read.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"seed {seed}: accepted record '{key}' reads {(int)read.StatusCode}");
            if (read.StatusCode == HttpStatusCode.OK)
                JsonNode.Parse(await read.Content.ReadAsStringAsync(), documentOptions: new JsonDocumentOptions { MaxDepth = 1000 });
        }
    }

    /// <summary>
    /// A DELETE whose path, after Kestrel's dot-segment removal (<c>%2e</c> included), is <c>/db/{db}</c> or
    /// <c>/couch/{db}</c>: an admin drop of a whole database (DESIGN §11, tests/Cluster.Tests/DropDatabase), allowed
    /// here because the fuzz mirror runs without keys. The fuzz keeps its baseline database to check, so it never sends one.
    /// </summary>
    private static bool IsDatabaseDrop(HostileRequest request)
    {
        if (!string.Equals(request.Method, "DELETE", StringComparison.OrdinalIgnoreCase)) return false;
        var segments = new List<string>();
        foreach (string segment in request.Target.Split('?')[0].Replace("%2e", ".", StringComparison.OrdinalIgnoreCase).Split('/', '\\'))
        {
            if (segment is "" or ".") continue;
            if (segment == "..") { if (segments.Count > 0) segments.RemoveAt(segments.Count - 1); }
            else segments.Add(segment);
        }
        return segments.Count == 2 && segments[0] is "db" or "couch";
    }

    /// <summary>Notes what a successful write changed: new records in any database, and baseline records it rewrote.</summary>
    private static void Track(HostileRequest request, RawResponse response, FuzzCorpus corpus, ConcurrentDictionary<string, string> touched, ConcurrentDictionary<string, byte> accepted)
    {
        // Kestrel removes dot segments ("/db/a/../b/doc/x" is database b) and collapses nothing else: when the target
        // has any, the database is uncertain and a baseline id counts as touched whatever the text says.
        string path = request.Target.Split('?')[0];
        bool uncertain = path.Contains("/.", StringComparison.Ordinal) || path.Contains("%2e", StringComparison.OrdinalIgnoreCase) ||
                         path.Contains("//", StringComparison.Ordinal) || path.Contains('\\', StringComparison.Ordinal);
        string db = path.Split('/', 4) is [_, "db", var d, ..] ? d : "";
        var ids = new List<string>();
        try
        {
            // Saved documents may nest up to 256 deep; JsonNode's default (64) would hide their id.
            var body = JsonNode.Parse(response.Body, documentOptions: new JsonDocumentOptions { MaxDepth = 1000 });
            if (body?["results"] is JsonArray results)
                ids.AddRange(results.Where(r => (string?)r?["status"] is "accepted" or "conflict").Select(r => (string)r!["id"]!));
            else if (body?["id"] is JsonValue id)
                ids.Add((string)id!);
        }
        catch (JsonException) { }
        foreach (var id in ids)
        {
            if (!uncertain) accepted.TryAdd($"{db}/{id}", 0); // with dot segments the database it went to is unknown
            if ((db == corpus.BaseDb || uncertain) && corpus.BaseIds.Contains(id)) touched.TryAdd(id, $"{request.Method} {request.Target} → {response.Status}");
        }
    }

    private async Task<FuzzCorpus> SeedAsync(string tag)
    {
        string baseDb = $"fzbase-{tag}";
        var ids = new List<string>();
        var revs = new List<string>();
        for (int i = 0; i < 40; i++)
        {
            string id = (i % 4) switch { 0 => $"/c/{i}", 1 => $"rec-{i}", 2 => $"\u00e9/\u00fc-{i}", _ => $"a..b/{i}" };
            string body = $"{{\"i\":{i},\"text\":\"caf\u00e9 {new string('x', i * 13)}\",\"list\":[1,2,{{\"k\":{i * 0.5}}}]}}";
            using var saved = await fixture.Http.PutAsync($"{fixture.Url}/db/{baseDb}/doc/{Uri.EscapeDataString(id)}", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
            string rev = (string)JsonNode.Parse(await saved.Content.ReadAsStringAsync())!["rev"]!;
            if (i % 8 == 7)
            {
                using var deleted = await fixture.Http.DeleteAsync($"{fixture.Url}/db/{baseDb}/doc/{Uri.EscapeDataString(id)}?rev={rev}");
                Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
                rev = (string)JsonNode.Parse(await deleted.Content.ReadAsStringAsync())!["rev"]!;
            }
            ids.Add(id);
            revs.Add(rev);
        }
        var batches = new List<byte[]>();
        for (int i = 0; i < ids.Count; i += 5)
        {
            using var fetch = await fixture.Http.PostAsync($"{fixture.Url}/db/{baseDb}/sync/fetch",
                new StringContent(JsonSerializer.Serialize(ids.Skip(i).Take(5)), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, fetch.StatusCode);
            batches.Add(await fetch.Content.ReadAsByteArrayAsync());
        }
        var changes = JsonNode.Parse(await fixture.Http.GetStringAsync($"{fixture.Url}/db/{baseDb}/sync/changes"))!;
        return new FuzzCorpus
        {
            BaseDb = baseDb,
            FuzzDbs = [$"fza-{tag}", $"fz_b-{tag}"],
            BaseIds = ids,
            BaseRevs = revs,
            Batches = batches,
            Checkpoint = (string)changes["checkpoint"]!,
        };
    }

    /// <summary>Each baseline record's exact answer: the GET body, or "404" for the deleted ones.</summary>
    private async Task<Dictionary<string, byte[]>> SnapshotAsync(FuzzCorpus corpus)
    {
        var snapshot = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string id in corpus.BaseIds)
        {
            using var read = await fixture.Http.GetAsync($"{fixture.Url}/db/{corpus.BaseDb}/doc/{Uri.EscapeDataString(id)}");
            snapshot[id] = read.StatusCode switch
            {
                HttpStatusCode.OK => await read.Content.ReadAsByteArrayAsync(),
                HttpStatusCode.NotFound => "404"u8.ToArray(),
                var other => throw new InvalidOperationException($"Baseline record '{id}' reads {(int)other}."),
            };
        }
        return snapshot;
    }
}
