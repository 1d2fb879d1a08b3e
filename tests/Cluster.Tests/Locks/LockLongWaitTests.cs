using System.Diagnostics;
using System.Net;
using MyNoSql.Cluster.Tests.Support;
using static MyNoSql.Cluster.Tests.Locks.LockHttp;

namespace MyNoSql.Cluster.Tests.Locks;

/// <summary>
/// A waiting acquire may wait far longer than <c>--unavailable-retry-seconds</c>, which bounds each grain call the
/// gateway makes (a call to a hung mirror is abandoned then): its waiting is cut into short calls, so a long wait is never
/// taken for a hung mirror. One real mirror process with the shortest limit (0: 5 s per call).
/// </summary>
public sealed class LockLongWaitTests : IAsyncLifetime
{
    private const string Db = "longwait";

    private readonly ProcessCluster _cluster = new(1, adoNet: false, "--unavailable-retry-seconds", "0");

    public Task InitializeAsync() => _cluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_waiter_gets_the_lock_when_a_hold_longer_than_the_call_limit_expires()
    {
        var http = _cluster.Http;
        string mirror = _cluster.Mirrors[0].BaseUrl;
        var held = await AcquireAsync(http, mirror, Db, "long", ttl: 8, wait: 0);
        Assert.Equal(HttpStatusCode.OK, held.Status);

        var clock = Stopwatch.StartNew();
        var waited = await AcquireAsync(http, mirror, Db, "long", ttl: 5, wait: 30);
        Assert.True(waited.Status == HttpStatusCode.OK, $"after {clock.Elapsed.TotalSeconds:F1} s: {(int)waited.Status} {waited.Body.ToJsonString()}");
        Assert.Equal(Token(held.Body) + 1, Token(waited.Body));
    }
}
