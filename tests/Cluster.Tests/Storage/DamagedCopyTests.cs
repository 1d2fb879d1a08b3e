using System.Net;
using System.Text.Json.Nodes;
using MyNoSql.Cluster.Tests.History;
using MyNoSql.Cluster.Tests.Support;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Storage;

/// <summary>
/// Damaged bytes in one mirror's store (a flipped log frame: its checksum fails), with three real mirror processes. A
/// damaged record on a running mirror is served (200) through every gateway and rewritten from the other mirrors; a
/// stopped mirror whose store is damaged starts with the store set aside (kept) and refills from the others. Before,
/// the reads answered 500 with a stack trace (or a codec error), and the mirror refused to start.
/// </summary>
public sealed class DamagedCopyTests : IAsyncLifetime
{
    private const string Db = "damaged";
    private readonly ProcessCluster _cluster = new(3, adoNet: false, "--anti-entropy-seconds", "1");

    public Task InitializeAsync() => _cluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_damaged_record_on_a_running_mirror_is_served_and_rewritten_from_the_other_mirrors()
    {
        var http = _cluster.Http;
        var m = _cluster.Mirrors;
        // Pushed as a batch through the first mirror: the records' grains stay inactive, so the next read activates one and
        // reads a store. A frame bigger than a log page is read from the file each time (no cached page hides the damage),
        // once the fillers after it pushed it out of the engine's window of recent appends (64 KiB per shard).
        string big = new('x', 40_000);
        await HistoryApi.PushAsync(http, m[0].BaseUrl, Db, "a", HistoryApi.Leaf(null, $$"""{"big":"{{big}}","n":1}"""));
        await HistoryApi.PushAsync(http, m[0].BaseUrl, Db, "b", HistoryApi.Leaf(null, $$"""{"big":"{{big}}","n":2}"""));
        for (int i = 0; i < 30; i++)
            await HistoryApi.PushAsync(http, m[0].BaseUrl, Db, $"filler-{i}", HistoryApi.Leaf(null, $$"""{"big":"{{big}}","n":{{i}}}"""));
        await HistoryApi.WaitConvergedAsync(http, _cluster.Urls, Db, 32);

        StoreDamage.Flip(_cluster.Slots[1].Data, Db, "a");
        StoreDamage.Flip(_cluster.Slots[1].Data, Db, "b");

        // a: first through the damaged mirror (its grain activates there and rewrites the copy), then through another.
        await AssertServedAsync(m[1].BaseUrl, "a", 1);
        await AssertServedAsync(m[0].BaseUrl, "a", 1);
        // b: first through another mirror (whose read repair asks the damaged one), then through the damaged one.
        await AssertServedAsync(m[0].BaseUrl, "b", 2);
        await AssertServedAsync(m[2].BaseUrl, "b", 2);
        await AssertServedAsync(m[1].BaseUrl, "b", 2);

        // The reads may have been served by grains active on another mirror (anti-entropy, which runs every second here,
        // can activate a record's grain anywhere), leaving the damaged copies unread: a full scan of the damaged mirror's
        // own store reads them: it answers 503 unavailable while it meets a damaged copy (which it reports, and
        // anti-entropy rewrites), never a 500, then all 32 records.
        var scanDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await ScanAsync(m[1].BaseUrl))
        {
            if (DateTime.UtcNow > scanDeadline) Assert.Fail($"Timed out waiting for a full scan of the damaged mirror to answer all 32 records:\n{m[1].Output}");
            await Task.Delay(200);
        }

        // Both damaged copies are reported with database, id and file, and rewritten (by a grain's read repair or by
        // anti-entropy).
        await WaitUntilAsync(() => Logged(m[1], "a") && Logged(m[1], "b"), TimeSpan.FromSeconds(60),
            () => $"the damaged copies to be reported and rewritten:\n{m[1].Output}");
        Assert.Contains($"Damaged record {Db}/a in this mirror's store", m[1].Output, StringComparison.Ordinal);
        Assert.Contains("log-", m[1].Output, StringComparison.Ordinal);
        await HistoryApi.WaitConvergedAsync(http, _cluster.Urls, Db, 32);
        Assert.DoesNotContain("Unexpected error handling", string.Concat(m.Select(x => x.Output)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mirror_whose_store_is_damaged_starts_with_it_set_aside_and_refills_from_the_others()
    {
        var http = _cluster.Http;
        var m = _cluster.Mirrors;
        // The target first, then records after it: a damaged frame followed by sound ones is damage, not a torn tail.
        await PutAsync(m[0].BaseUrl, "target", 0);
        for (int i = 1; i <= 24; i++) await PutAsync(m[0].BaseUrl, $"r{i}", i);
        await HistoryApi.WaitConvergedAsync(http, _cluster.Urls, Db, 25);

        Assert.Equal(0, await m[2].StopAsync(TimeSpan.FromSeconds(60)));
        StoreDamage.Flip(_cluster.Slots[2].Data, Db, "target");

        var restarted = _cluster.StartMirror(2);
        await restarted.WaitHealthyAsync(http, TimeSpan.FromSeconds(90));
        string kept = Assert.Single(Directory.GetDirectories(_cluster.Slots[2].Data, "mirror.damaged-*"));
        Assert.True(Directory.EnumerateFiles(kept, "*.wal", SearchOption.AllDirectories).Any(), "the damaged store is kept");
        await HistoryApi.WaitConvergedAsync(http, _cluster.Urls, Db, 25);
        var (status, body) = await SendAsync(http, HttpMethod.Get, $"{restarted.BaseUrl}/db/{Db}/doc/target");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, (int)body!["n"]!);
        // One error names the file, the offset and where the store was kept; no stack trace of the engine's exception.
        string output = restarted.Output;
        Assert.Single(output.Split('\n'), l => l.Contains("is damaged", StringComparison.Ordinal));
        Assert.Contains(kept, output, StringComparison.Ordinal);
        Assert.DoesNotContain("at MyNoSql.Storage.Engine", output, StringComparison.Ordinal);
    }

    private async Task PutAsync(string baseUrl, string id, int n)
    {
        var (status, _) = await SendAsync(_cluster.Http, HttpMethod.Put, $"{baseUrl}/db/{Db}/doc/{id}", Json($$"""{"n":{{n}},"pad":"{{new string('p', 200)}}"}"""));
        Assert.Equal(HttpStatusCode.Created, status);
    }

    /// <summary>True once a full scan through <paramref name="baseUrl"/> answers every record; a 503 <c>unavailable</c> is
    /// false; anything else fails.</summary>
    private async Task<bool> ScanAsync(string baseUrl)
    {
        var (status, body) = await SendAsync(_cluster.Http, HttpMethod.Post, $"{baseUrl}/db/{Db}/_find", Json("""{"selector":{"n":{"$gte":0}},"limit":100}"""));
        if (status == HttpStatusCode.ServiceUnavailable && (string?)body?["error"] == "unavailable") return false;
        Assert.True(status == HttpStatusCode.OK, $"_find on the damaged mirror: {(int)status} {body?.ToJsonString()}");
        return body!["docs"]!.AsArray().Count == 32;
    }

    private async Task AssertServedAsync(string baseUrl, string id, int n)
    {
        var (status, body) = await SendAsync(_cluster.Http, HttpMethod.Get, $"{baseUrl}/db/{Db}/doc/{id}");
        Assert.True(status == HttpStatusCode.OK, $"GET {id} through {baseUrl}: {(int)status} {body?.ToJsonString()}");
        Assert.Equal(n, (int)body!["n"]!);
        Assert.Equal(40_000, ((string)body["big"]!).Length);
    }

    private static bool Logged(SiloProcess mirror, string id)
    {
        string output = mirror.Output;
        return output.Contains($"Damaged record {Db}/{id} in this mirror's store", StringComparison.Ordinal)
            && output.Contains($"Damaged record {Db}/{id} ('", StringComparison.Ordinal) && output.Contains("rewritten in this mirror's store", StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting for {what()}");
            await Task.Delay(200);
        }
    }
}
