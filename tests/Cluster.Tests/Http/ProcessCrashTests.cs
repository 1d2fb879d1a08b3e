using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Cluster.Tests.Support;

namespace MyNoSql.Cluster.Tests.Http;

/// <summary>
/// Three real mirror processes of their own (the shared fixture must not lose a member): one is killed with SIGKILL
/// in the middle of an HTTP write load, then the whole cluster is stopped and started again from its directories.
/// Every write that got a 201 must read back with its revision, and the mirrors' own copies must converge.
/// </summary>
public sealed class ProcessCrashTests : IAsyncLifetime
{
    private readonly ProcessCluster _cluster = new(3, adoNet: false, "--anti-entropy-seconds", "1");

    public Task InitializeAsync() => _cluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task No_acknowledged_write_is_lost_when_a_mirror_is_killed_or_the_cluster_restarts()
    {
        var http = _cluster.Http;
        var acked = new ConcurrentDictionary<string, string>();
        var serverErrors = new ConcurrentQueue<string>();
        long attempts = 0;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (int n = 0; !stop.IsCancellationRequested; n++)
            {
                string id = $"w{w}/{n}";
                string url = _cluster.Mirrors[(w + n) % 3].BaseUrl;
                Interlocked.Increment(ref attempts);
                try
                {
                    using var body = new StringContent($"{{\"writer\":{w},\"n\":{n}}}", Encoding.UTF8, "application/json");
                    using var response = await http.PutAsync($"{url}/db/crash/doc/{Uri.EscapeDataString(id)}", body);
                    if (response.StatusCode == HttpStatusCode.Created)
                        acked[id] = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["rev"]!;
                    else if ((int)response.StatusCode >= 500)
                        serverErrors.Enqueue($"PUT {id} to {url} -> {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
                catch (HttpRequestException) { } // the killed mirror refuses connections: those writes were never acknowledged
            }
        })).ToList();

        await WaitUntilAsync(() => acked.Count >= 150, TimeSpan.FromSeconds(60), "writes before the kill");
        await _cluster.Mirrors[2].KillAsync();
        int atKill = acked.Count;
        await WaitUntilAsync(() => acked.Count >= atKill + 150, TimeSpan.FromSeconds(60), "writes after the kill");
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        Assert.True(acked.Count < attempts, "the kill should have refused some writes");
        // The live mirrors ride out the failover (the gateway retries calls to grains the dead one hosted): no 5xx.
        Assert.True(serverErrors.IsEmpty, $"{serverErrors.Count} 5xx answers:\n{string.Join("\n", serverErrors.Take(10))}");

        await AssertAllReadBackAsync(acked, _cluster.Mirrors[0].BaseUrl);
        await AssertAllReadBackAsync(acked, _cluster.Mirrors[1].BaseUrl);

        // Whole cluster down (SIGTERM), then up again from the same directories and ports.
        foreach (var m in _cluster.Mirrors.Where(m => !m.HasExited)) await m.StopAsync(TimeSpan.FromSeconds(60));
        await _cluster.StartAsync();
        foreach (var mirror in _cluster.Mirrors) await AssertAllReadBackAsync(acked, mirror.BaseUrl);

        // Every mirror's own copy converges, including the one that was killed.
        await WaitUntilAsync(async () =>
        {
            var digests = new HashSet<string>();
            foreach (var m in _cluster.Mirrors)
            {
                var local = JsonNode.Parse(await http.GetStringAsync($"{m.BaseUrl}/_mirror/local/crash"))!;
                if ((int)local["records"]! < acked.Count) return false;
                digests.Add((string)local["digest"]!);
            }
            return digests.Count == 1;
        }, TimeSpan.FromSeconds(90), "mirror digests to converge");
    }

    private async Task AssertAllReadBackAsync(ConcurrentDictionary<string, string> acked, string baseUrl)
    {
        foreach (var (id, rev) in acked)
        {
            using var response = await _cluster.Http.GetAsync($"{baseUrl}/db/crash/doc/{Uri.EscapeDataString(id)}");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"acknowledged '{id}' ({rev}) is {(int)response.StatusCode} on {baseUrl}");
            var doc = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(rev, (string)doc["rev"]!);
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        WaitUntilAsync(() => Task.FromResult(condition()), timeout, what);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}
