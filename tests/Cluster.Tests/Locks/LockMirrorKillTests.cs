using System.Collections.Concurrent;
using System.Net;
using MyNoSql.Cluster.Tests.Support;
using static MyNoSql.Cluster.Tests.Locks.LockHttp;

namespace MyNoSql.Cluster.Tests.Locks;

/// <summary>
/// Three mirror processes of their own: the lock's grain activates on the third (not the localhost-clustering primary),
/// which is killed with SIGKILL while clients on every mirror keep taking and releasing the lock; then it restarts from
/// its directory. No token is ever granted twice, and every token granted after the kill or the restart is greater than
/// every token granted before it: the fencing token never goes back.
/// </summary>
public sealed class LockMirrorKillTests : IAsyncLifetime
{
    private const string Db = "lockkill";
    private readonly ProcessCluster _cluster = new(3, adoNet: false, "--anti-entropy-seconds", "1");

    public Task InitializeAsync() => _cluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Tokens_never_go_back_when_the_mirror_holding_the_lock_is_killed_and_restarted()
    {
        var http = _cluster.Http;
        string Url(int i) => _cluster.Mirrors[i].BaseUrl;
        // First asked through the third mirror: the lock grain activates there (prefer-local placement).
        var warm = await AcquireAsync(http, Url(2), Db, "k", ttl: 3, wait: 0);
        Assert.Equal(HttpStatusCode.OK, warm.Status);
        await ReleaseAsync(http, Url(2), Db, "k", Token(warm.Body));

        var grants = new ConcurrentQueue<(long Token, int Phase)>();
        var errors = new ConcurrentQueue<string>();
        int phase = 0;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (w == 2 && Volatile.Read(ref phase) == 1) { await Task.Delay(50); continue; } // its mirror is down
                int seen = Volatile.Read(ref phase);
                try
                {
                    var (status, body) = await AcquireAsync(http, Url(w), Db, "k", ttl: 3, wait: 30);
                    if (status != HttpStatusCode.OK)
                    {
                        if ((int)status != 503 && status != HttpStatusCode.Conflict) errors.Enqueue($"acquire on {w}: {(int)status} {body.ToJsonString()}");
                        continue;
                    }
                    // A grant counts for a phase only if it was asked for within it.
                    grants.Enqueue((Token(body), seen == Volatile.Read(ref phase) ? seen : -1));
                    await Task.Delay(5);
                    await ReleaseAsync(http, Url(w), Db, "k", Token(body));
                }
                catch (HttpRequestException) when (w == 2) { } // the killed mirror
            }
        })).ToList();

        await UntilAsync(() => grants.Count >= 20, TimeSpan.FromSeconds(60), "grants before the kill");
        Volatile.Write(ref phase, 1);
        await _cluster.Mirrors[2].KillAsync();
        int atKill = grants.Count;
        await UntilAsync(() => grants.Count(g => g.Phase == 1) >= 5, TimeSpan.FromSeconds(90), "grants after the kill");

        _cluster.StartMirror(2);
        await _cluster.Mirrors[2].WaitHealthyAsync(http, TimeSpan.FromSeconds(90));
        await _cluster.WaitForMirrorsAsync(3, TimeSpan.FromSeconds(60));
        Volatile.Write(ref phase, 2);
        await UntilAsync(() => grants.Count(g => g.Phase == 2) >= 5, TimeSpan.FromSeconds(90), "grants after the restart");
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        var all = grants.ToList();
        Assert.True(errors.IsEmpty, string.Join("\n", errors.Take(10)));
        Assert.Equal(all.Count, all.Select(g => g.Token).Distinct().Count());
        long maxBefore = all.Where(g => g.Phase == 0).Max(g => g.Token);
        Assert.All(all.Where(g => g.Phase == 1), g => Assert.True(g.Token > maxBefore, $"token {g.Token} after the kill, {maxBefore} before"));
        long maxDown = all.Where(g => g.Phase == 1).Max(g => g.Token);
        Assert.All(all.Where(g => g.Phase == 2), g => Assert.True(g.Token > maxDown, $"token {g.Token} after the restart, {maxDown} before"));
        Console.WriteLine($"lock kill: {all.Count} grants ({atKill} before the kill), tokens up to {all.Max(g => g.Token)}");
    }
}
