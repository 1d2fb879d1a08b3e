using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using MyNoSql.Cluster.Tests.Http;
using MyNoSql.Cluster.Tests.Query;
using MyNoSql.Cluster.Tests.Support;
using MyNoSql.Grains.Placement;
using Xunit.Abstractions;

namespace MyNoSql.Cluster.Tests.Replicas;

/// <summary>
/// Five real mirror processes with <c>--replicas 3</c> (DESIGN §12): each record on the 3 mirrors rendezvous hashing picks
/// (checked exactly from the mirrors' names), ≤ 0.7× a full copy per mirror, every gateway serving every record, query
/// and change; two mirrors SIGKILLed at once lose no acknowledged write; a mirror that joins then receives exactly its
/// share while the others drop the copies they no longer hold. Attachment bodies follow their records: stored on exactly
/// the holders whichever gateway took them, read (with ranges) through every gateway without leaving copies on non-holders,
/// pulled by a joining holder and freed by a mirror that dropped the record.
/// Mirror 0 holds localhost membership, so the others are the ones killed.
/// </summary>
public sealed class ReplicaClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Db = "rep";
    private const int Replicas = 3;
    private const int Records = 400;
    private readonly ProcessCluster _cluster = new(5, adoNet: false, "--replicas", "3", "--anti-entropy-seconds", "1");

    /// <summary>One mirror after another (five starting at once on two loaded cores can take minutes each).</summary>
    public async Task InitializeAsync()
    {
        for (int i = 0; i < 5; i++) await _cluster.StartMirror(i).WaitHealthyAsync(Http, TimeSpan.FromSeconds(180));
        await _cluster.WaitForMirrorsAsync(5, TimeSpan.FromSeconds(120));
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private HttpClient Http => _cluster.Http;

    [Fact]
    public async Task Records_live_on_their_replica_set_survive_two_kills_and_reach_a_joining_mirror()
    {
        var acked = await WriteAsync();

        // Every gateway serves every record (a gateway that holds none of it reaches a holder).
        int k = 0;
        foreach (var (id, rev) in acked) await AssertReadsAsync(_cluster.Mirrors[k++ % 5].BaseUrl, id, rev);

        // Each mirror holds exactly the records rendezvous hashing gives it, and ≤ 0.7× of a full copy.
        var live = Enumerable.Range(0, 5).ToArray();
        await WaitForPlacementAsync(live, acked.Keys);
        // Every mirror reports the settled view of all five (GET /_mirror/replicas): reads use a read quorum of holders.
        var allNames = (await NamesAsync(live)).Order(StringComparer.Ordinal).ToArray();
        foreach (int m in live)
        {
            await QueryApi.WaitUntilAsync(async () =>
            {
                var state = (await Api.SendAsync(Http, HttpMethod.Get, $"{_cluster.Mirrors[m].BaseUrl}/_mirror/replicas")).Body!;
                bool ok = (int)state["replicas"]! == Replicas && (bool)state["active"]! && (bool)state["stable"]!
                    && state["settled"]!.AsArray().Select(n => (string)n!).SequenceEqual(allNames);
                return (ok, $"mirror {m}: {state.ToJsonString()}");
            }, TimeSpan.FromSeconds(60), $"mirror {m} to report the settled view of all five");
        }
        var bytes = new long[5];
        for (int m = 0; m < 5; m++)
        {
            var info = (await Api.SendAsync(Http, HttpMethod.Get, $"{_cluster.Mirrors[m].BaseUrl}/db/{Db}")).Body!;
            bytes[m] = (long)info["disk_bytes"]!;
            Assert.Equal(Records, (long)info["doc_count"]!); // the database's count, not this mirror's share
        }
        double fullCopy = bytes.Sum() / (double)Replicas; // every record is on exactly 3 mirrors
        output.WriteLine($"disk bytes per mirror: {string.Join(", ", bytes)}; a full copy ≈ {fullCopy:F0}");
        foreach (long b in bytes) Assert.True(b <= 0.7 * fullCopy, $"a mirror keeps {b} bytes, a full copy is ≈ {fullCopy:F0}");

        // Queries and change feeds through any gateway see every record.
        var found = await QueryApi.FindOkAsync(Http, _cluster.Mirrors[3].BaseUrl, Db, """{"selector":{"type":"t"},"limit":1000}""");
        Assert.Equal(acked.Keys.Order(StringComparer.Ordinal), QueryApi.Ids(found).Order(StringComparer.Ordinal));
        var (status, feed) = await Api.SendAsync(Http, HttpMethod.Get, $"{_cluster.Mirrors[4].BaseUrl}/db/{Db}/_changes?limit=1000");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(acked.Keys.Order(StringComparer.Ordinal), feed!["results"]!.AsArray().Select(r => (string)r!["id"]!).Order(StringComparer.Ordinal));
        // GET /dbs through every gateway lists every database of the cluster, also one whose single record lives on 3 of
        // the 5 mirrors (so two gateways hold nothing of it).
        await QueryApi.PutAsync(Http, _cluster.Mirrors[0].BaseUrl, "solo", "one", "{\"n\":1}");
        for (int m = 0; m < 5; m++)
        {
            var (dbsStatus, dbs) = await Api.SendAsync(Http, HttpMethod.Get, $"{_cluster.Mirrors[m].BaseUrl}/dbs");
            Assert.Equal(HttpStatusCode.OK, dbsStatus);
            Assert.Equal(new[] { Db, "solo" }, dbs!.AsArray().Select(d => (string)d!).Where(d => d is Db or "solo"));
        }
        // …without copying records to the mirrors that served them (still exactly the rendezvous shares).
        await WaitForPlacementAsync(live, acked.Keys);

        // Attachment bodies live on their records' holders only, whichever gateway took them, and read back through all.
        var bodies = await PutAttachmentsAsync(acked);
        await WaitForBodiesAsync(live, bodies, collect: false);
        await AssertBodiesReadAsync(live, bodies);
        // …and reading through a gateway that is not a holder left no copy there.
        await WaitForBodiesAsync(live, bodies, collect: false);
        await SyncUploadThroughNonHolderAsync(live);
        await PeerSyncPlacesBodyOnItsRecordsHoldersAsync(live);

        // Two mirrors SIGKILLed at once: every acknowledged write still reads back with its revision.
        await Task.WhenAll(_cluster.Mirrors[3].KillAsync(), _cluster.Mirrors[4].KillAsync());
        await WaitAllReadAsync(acked, [0, 1, 2], TimeSpan.FromSeconds(150));

        // A new mirror joins: it receives exactly its share, the others drop what they no longer hold, and it serves everything.
        _cluster.Slots.Add((FreePorts.Next(), FreePorts.Next(), FreePorts.Next(), Path.Combine(Path.GetDirectoryName(_cluster.Slots[0].Data)!, "mirror-5")));
        _cluster.Mirrors.Add(null!);
        await _cluster.StartMirror(5).WaitHealthyAsync(Http, TimeSpan.FromSeconds(180));
        await _cluster.WaitForMirrorsAsync(4, TimeSpan.FromSeconds(120));
        await WaitForPlacementAsync([0, 1, 2, 5], acked.Keys);
        await WaitAllReadAsync(acked, [5], TimeSpan.FromSeconds(60));
        // The joiner pulled the bodies of the records it received; the others freed those of the records they dropped.
        await WaitForBodiesAsync([0, 1, 2, 5], bodies, collect: true);
        await AssertBodiesReadAsync([5], bodies);
    }

    /// <summary>Bodies put: enough that each mirror's share of the bytes is near 3/5 (10 gave 0.37–0.79×).</summary>
    private const int Attachments = 30;

    /// <summary>Puts one random body (1–2.3 MiB, so 2–3 chunks) on each of the first records, through every gateway in turn.</summary>
    private async Task<Dictionary<string, byte[]>> PutAttachmentsAsync(ConcurrentDictionary<string, string> acked)
    {
        var bodies = new Dictionary<string, byte[]>();
        for (int i = 0; i < Attachments; i++)
        {
            string id = $"doc-{i}";
            var body = new byte[(1 << 20) * (i % 5 == 0 ? 2 : 1) + 7919 * i + 1];
            new Random(i).NextBytes(body);
            using var content = new ByteArrayContent(body);
            using var response = await Http.PutAsync($"{_cluster.Mirrors[i % 5].BaseUrl}/db/{Db}/doc/{id}/att/f.bin?rev={Uri.EscapeDataString(acked[id])}", content);
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"PUT attachment of {id} through mirror {i % 5}: {(int)response.StatusCode} {text}");
            acked[id] = (string)JsonNode.Parse(text)!["rev"]!;
            bodies[id] = body;
        }
        return bodies;
    }

    /// <summary>
    /// Polls until each of <paramref name="mirrors"/> stores exactly the bodies of the records it holds by placement (chunk
    /// files: the raw bytes plus a 24-byte header, random bodies do not compress); with <paramref name="collect"/> each
    /// poll first collects unreferenced bodies (grace 0), as the hourly collection would.
    /// </summary>
    private async Task WaitForBodiesAsync(int[] mirrors, Dictionary<string, byte[]> bodies, bool collect)
    {
        var names = await NamesAsync(mirrors);
        var expected = new (int Manifests, int Chunks, long Bytes)[mirrors.Length];
        long full = 0;
        foreach (var (id, body) in bodies)
        {
            int chunks = (body.Length + (1 << 20) - 1) >> 20;
            long stored = body.Length + 24L * chunks;
            full += stored;
            foreach (var holder in ReplicaPlacement.Choose(Db, id, names, Replicas))
            {
                int h = Array.IndexOf(names, holder);
                expected[h] = (expected[h].Manifests + 1, expected[h].Chunks + chunks, expected[h].Bytes + stored);
            }
        }
        var seen = new long[mirrors.Length];
        for (int i = 0; i < mirrors.Length; i++)
        {
            int m = mirrors[i];
            var want = expected[i];
            await QueryApi.WaitUntilAsync(async () =>
            {
                if (collect) (await Http.PostAsync($"{_cluster.Mirrors[m].BaseUrl}/_mirror/attachments/{Db}/_collect?grace=0", null)).Dispose();
                var stats = JsonNode.Parse(await Http.GetStringAsync($"{_cluster.Mirrors[m].BaseUrl}/_mirror/attachments/{Db}"))!;
                var have = ((int)stats["manifests"]!, (int)stats["chunks"]!, (long)stats["bytes"]!);
                seen[i] = have.Item3;
                return (have == want, $"mirror {m} stores {have} (manifests, chunks, bytes), should store {want}");
            }, TimeSpan.FromSeconds(90), $"mirror {m} to store exactly the bodies of its records");
        }
        output.WriteLine($"attachment bytes per mirror {string.Join(",", mirrors)}: {string.Join(", ", seen)}; a full copy {full} " +
            $"({string.Join(", ", seen.Select(b => (b / (double)full).ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}×)");
        Assert.Equal(Replicas * full, seen.Sum());
    }

    /// <summary>Every body byte-exact through each of <paramref name="mirrors"/>: a range across the first chunk boundary, and one whole read.</summary>
    private async Task AssertBodiesReadAsync(int[] mirrors, Dictionary<string, byte[]> bodies)
    {
        int k = 0;
        foreach (var (id, body) in bodies)
        {
            int wholeThrough = mirrors[k++ % mirrors.Length];
            foreach (int m in mirrors)
            {
                string url = $"{_cluster.Mirrors[m].BaseUrl}/db/{Db}/doc/{id}/att/f.bin";
                int from = (1 << 20) - 1000, to = Math.Min(body.Length - 1, (1 << 20) + 70_000);
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(from, to);
                using var ranged = await Http.SendAsync(request);
                Assert.Equal(HttpStatusCode.PartialContent, ranged.StatusCode);
                Assert.Equal($"bytes {from}-{to}/{body.Length}", ranged.Content.Headers.ContentRange!.ToString());
                var part = await ranged.Content.ReadAsByteArrayAsync();
                Assert.True(body.AsSpan(from, to - from + 1).SequenceEqual(part), $"range of {id} through mirror {m}");
                if (m != wholeThrough) continue;
                var whole = await Http.GetByteArrayAsync(url);
                Assert.True(body.AsSpan().SequenceEqual(whole), $"whole body of {id} through mirror {m}");
            }
        }
    }

    /// <summary>
    /// The peers' sync routes: a body sent (chunk, then manifest naming record <c>sync-1</c>) through a gateway that is not
    /// one of that record's holders lands on the holders; the other non-holder never gets it, also not when its
    /// manifest is read through it. (No record names the body: collection removes it in the last phase.)
    /// </summary>
    private async Task SyncUploadThroughNonHolderAsync(int[] mirrors)
    {
        const string id = "sync-1";
        var names = await NamesAsync(mirrors);
        var holders = ReplicaPlacement.Choose(Db, id, names, Replicas).Select(n => mirrors[Array.IndexOf(names, n)]).ToHashSet();
        var nonHolders = mirrors.Where(m => !holders.Contains(m)).ToArray();
        string gateway = _cluster.Mirrors[nonHolders[0]].BaseUrl;
        var body = new byte[300_000];
        new Random(99).NextBytes(body);
        string chunk = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body));
        string digest = "sha256-" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(body));
        using (var r = await Http.PutAsync($"{gateway}/db/{Db}/sync/att/chunk/{chunk}", new ByteArrayContent(body))) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        var manifest = new JsonObject { ["digest"] = digest, ["length"] = body.Length, ["chunk_size"] = 1 << 20, ["chunks"] = new JsonArray(chunk) };
        using (var r = await Http.PutAsync($"{gateway}/db/{Db}/sync/att/manifest?id={id}", new StringContent(manifest.ToJsonString(), System.Text.Encoding.UTF8, "application/json")))
            Assert.True(r.StatusCode == HttpStatusCode.NoContent, $"sync manifest PUT: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        Task<bool> HoldsAsync(int m) => HoldsChunkAsync(m, chunk);
        foreach (int m in holders)
            await QueryApi.WaitUntilAsync(async () => (await HoldsAsync(m), $"holder {m} lacks the synced chunk"), TimeSpan.FromSeconds(30), $"holder {m} to get the synced body");
        foreach (int m in mirrors)
        {
            using var r = await Http.GetAsync($"{_cluster.Mirrors[m].BaseUrl}/db/{Db}/sync/att/manifest/{Uri.EscapeDataString(digest)}");
            Assert.True(r.StatusCode == HttpStatusCode.OK, $"synced manifest through mirror {m}: {(int)r.StatusCode}");
        }
        Assert.False(await HoldsAsync(nonHolders[1]), $"mirror {nonHolders[1]} holds none of {id} yet stores its synced body");
        output.WriteLine($"synced body of {id}: holders {string.Join(",", holders.Order())}, sent through {nonHolders[0]}, absent on {nonHolders[1]}");
    }

    /// <summary>
    /// A peer's sync names the record a body belongs to (<c>?id=</c> on the manifest PUT): through a gateway that is not
    /// one of the record's holders, the body is on a write quorum of the holders when the sync returns, then on all three,
    /// and on no other mirror but the gateway (its staged copy) — not on the mirrors the body's digest would pick.
    /// </summary>
    private async Task PeerSyncPlacesBodyOnItsRecordsHoldersAsync(int[] mirrors)
    {
        // Its own database: the placement checks of the later phases count the records of Db.
        const string db = "rep-peer", id = "peer-att-1";
        var names = await NamesAsync(mirrors);
        var holders = ReplicaPlacement.Choose(db, id, names, Replicas).Select(n => mirrors[Array.IndexOf(names, n)]).ToHashSet();
        int gateway = mirrors.First(m => !holders.Contains(m));
        var body = new byte[300_000];
        new Random(7).NextBytes(body);
        string chunk = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body));
        string dir = Path.Combine(Path.GetTempPath(), "mynosql-replica-peer-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await using var peer = await MyNoSqlDb.OpenAsync(db, new MyNoSqlOptions { DataDirectory = dir, SyncInterval = Timeout.InfiniteTimeSpan });
            await peer.AddPeerAsync(_cluster.Mirrors[gateway].BaseUrl);
            var saved = await peer.SaveDocAsync(new JsonObject { ["id"] = id, ["type"] = "peer" });
            await peer.PutAttachmentAsync(id, (string)saved["rev"]!, "a.bin", new MemoryStream(body), "application/octet-stream");
            await peer.SyncAsync();
            var status = peer.GetSyncStatus();
            Assert.Equal(0, status.PendingWrites);
            Assert.Equal(_cluster.Mirrors[gateway].BaseUrl.TrimEnd('/'), status.MirrorInUse?.TrimEnd('/'));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
        int holding = 0;
        foreach (int m in holders) holding += await HoldsChunkAsync(m, chunk, db) ? 1 : 0;
        Assert.True(holding >= Replicas / 2 + 1, $"{holding} of the holders {string.Join(",", holders.Order())} of {id} hold its body when the sync returned");
        foreach (int m in holders)
            await QueryApi.WaitUntilAsync(async () => (await HoldsChunkAsync(m, chunk, db), $"holder {m} lacks the body"), TimeSpan.FromSeconds(30), $"holder {m} to get the body of {id}");
        foreach (int m in mirrors.Where(m => m != gateway && !holders.Contains(m)))
            Assert.False(await HoldsChunkAsync(m, chunk, db), $"mirror {m} holds none of {id} yet stores its body (placed by digest?)");
        output.WriteLine($"peer-synced body of {id}: holders {string.Join(",", holders.Order())}, through {gateway}");
    }

    /// <summary>Whether mirror <paramref name="m"/>'s own chunk store of <paramref name="db"/> holds <paramref name="chunk"/>.</summary>
    private async Task<bool> HoldsChunkAsync(int m, string chunk, string db = Db)
    {
        using var r = await Http.PostAsync($"{_cluster.Mirrors[m].BaseUrl}/db/{db}/sync/att/missing",
            new StringContent($$"""{"chunks":["{{chunk}}"]}""", System.Text.Encoding.UTF8, "application/json"));
        return JsonNode.Parse(await r.Content.ReadAsStringAsync())!["missing"]!.AsArray().Count == 0;
    }

    private async Task<string[]> NamesAsync(int[] mirrors)
    {
        var names = new string[mirrors.Length];
        for (int i = 0; i < mirrors.Length; i++) names[i] = (string)(await Api.LocalCopyAsync(Http, _cluster.Mirrors[mirrors[i]].BaseUrl, Db))["silo"]!;
        return names;
    }

    private async Task<ConcurrentDictionary<string, string>> WriteAsync()
    {
        var acked = new ConcurrentDictionary<string, string>();
        string pad = new('x', 1500);
        await Parallel.ForEachAsync(Enumerable.Range(0, Records), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var doc = await QueryApi.PutAsync(Http, _cluster.Mirrors[i % 5].BaseUrl, Db, $"doc-{i}", $$"""{"type":"t","n":{{i}},"pad":"{{pad}}"}""");
            acked[$"doc-{i}"] = (string)doc["rev"]!;
        });
        return acked;
    }

    private async Task AssertReadsAsync(string url, string id, string rev)
    {
        var (status, doc) = await Api.SendAsync(Http, HttpMethod.Get, $"{url}/db/{Db}/doc/{Uri.EscapeDataString(id)}");
        Assert.True(status == HttpStatusCode.OK, $"acknowledged '{id}' ({rev}) is {(int)status} on {url}");
        Assert.Equal(rev, (string)doc!["rev"]!);
    }

    /// <summary>Polls until every acknowledged record reads back with its revision through each of <paramref name="mirrors"/>.</summary>
    private async Task WaitAllReadAsync(ConcurrentDictionary<string, string> acked, int[] mirrors, TimeSpan timeout)
    {
        var missing = new HashSet<(int, string)>(mirrors.SelectMany(m => acked.Keys.Select(id => (m, id))));
        await QueryApi.WaitUntilAsync(async () =>
        {
            foreach (var (m, id) in missing.ToArray())
            {
                try
                {
                    var (status, doc) = await Api.SendAsync(Http, HttpMethod.Get, $"{_cluster.Mirrors[m].BaseUrl}/db/{Db}/doc/{Uri.EscapeDataString(id)}");
                    if (status == HttpStatusCode.OK && (string)doc!["rev"]! == acked[id]) missing.Remove((m, id));
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
            }
            return (missing.Count == 0, $"{missing.Count} reads not right yet, e.g. {string.Join(", ", missing.Take(5))}");
        }, timeout, "every acknowledged write to read back");
    }

    /// <summary>Polls until each of <paramref name="mirrors"/> holds exactly its records.</summary>
    private async Task WaitForPlacementAsync(int[] mirrors, ICollection<string> ids)
    {
        var names = await NamesAsync(mirrors);
        var expected = new int[mirrors.Length];
        foreach (var id in ids)
            foreach (var holder in ReplicaPlacement.Choose(Db, id, names, Replicas)) expected[Array.IndexOf(names, holder)]++;
        output.WriteLine($"expected records per mirror {string.Join(",", mirrors)}: {string.Join(", ", expected)} of {ids.Count}");
        for (int i = 0; i < mirrors.Length; i++)
        {
            Assert.True(expected[i] <= 0.7 * ids.Count || mirrors.Length <= 4, $"mirror {mirrors[i]} would hold {expected[i]} of {ids.Count}");
            int m = mirrors[i], want = expected[i];
            await QueryApi.WaitUntilAsync(async () =>
            {
                int have = (int)(await Api.LocalCopyAsync(Http, _cluster.Mirrors[m].BaseUrl, Db))["records"]!;
                return (have == want, $"mirror {m} holds {have}, should hold {want}");
            }, TimeSpan.FromSeconds(90), $"mirror {m} to hold its share");
        }
    }
}
