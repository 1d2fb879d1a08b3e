using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using MyNoSql.Tests.Support;
using static MyNoSql.Cluster.Tests.Locks.LockHttp;

namespace MyNoSql.Cluster.Tests.Locks;

/// <summary>
/// The peer API of DESIGN §9 against three real mirror processes: <c>LockAsync</c>, fenced saves, timeouts and offline
/// errors, and a lock holder process (tests/PeerWorker <c>lock</c>) killed with SIGKILL while it renews its hold.
/// </summary>
[Collection(LockCollection.Name)]
public sealed class LockPeerTests(LockFixture fixture)
{
    private const string Db = "peerlocks";

    [Fact]
    public async Task Peer_locks_fence_saves_and_time_out()
    {
        using var dir = new TempDirectory("mynosql-lock-peer-");
        var options = new MyNoSqlOptions { DataDirectory = dir.Path, SyncInterval = Timeout.InfiniteTimeSpan };
        await using var db = await MyNoSqlDb.OpenAsync(Db, options);
        await db.AddPeerAsync(fixture.Url(0));

        var first = await db.LockAsync("orders/42", TimeSpan.FromSeconds(5), TimeSpan.Zero); // long enough for the fenced save under load
        Assert.Equal("orders/42", first.Name);
        Assert.True(first.FencingToken > 0);
        Assert.True(first.Expires > DateTimeOffset.UtcNow.AddSeconds(-5));
        var saved = await db.SaveDocAsync(new JsonObject { ["id"] = "order-42", ["state"] = "paid" }, new SaveOptions { Fence = first });
        Assert.Equal("order-42", (string)saved["id"]!);
        // Stored locally too (the mirror's revision, fetched back).
        var local = await db.Store.ReadAsync("order-42", CancellationToken.None);
        Assert.Equal((string)saved["rev"]!, (string)local!["rev"]!);

        // Held by someone else: a wait that ends first is a LockTimeoutException.
        var second = await db.LockAsync("orders/42", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20)); // once first's 5 s ran out
        Assert.True(second.FencingToken > first.FencingToken);
        var clock = Stopwatch.StartNew();
        var timeout = await Assert.ThrowsAsync<LockTimeoutException>(() => db.LockAsync("orders/42", TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(400)));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(350), $"gave up after {clock.Elapsed}");
        Assert.Equal("orders/42", timeout.Name);

        // The first holder's token is stale now: its save is refused and nothing is written.
        var stale = await Assert.ThrowsAsync<StaleFenceException>(() =>
            db.SaveDocAsync(new JsonObject { ["id"] = "order-42", ["rev"] = saved["rev"]!.DeepClone(), ["state"] = "late" }, new SaveOptions { Fence = first }));
        Assert.Equal(first.FencingToken, stale.Token);
        await Assert.ThrowsAsync<StaleFenceException>(() => first.RenewAsync());
        var onMirror = JsonNode.Parse(await fixture.Http.GetStringAsync($"{fixture.Url(2)}/db/{Db}/doc/order-42"))!;
        Assert.Equal("paid", (string)onMirror["state"]!);

        await second.RenewAsync(TimeSpan.FromSeconds(60));
        Assert.True(second.Expires > DateTimeOffset.UtcNow.AddSeconds(50));
        await second.DisposeAsync(); // releases: the next one gets it at once
        await using var third = await db.LockAsync("orders/42", TimeSpan.FromSeconds(5), TimeSpan.Zero);
        Assert.Equal(second.FencingToken + 1, third.FencingToken);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => db.LockAsync("", TimeSpan.FromSeconds(1), TimeSpan.Zero));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => db.LockAsync("a\u0001", TimeSpan.FromSeconds(1), TimeSpan.Zero));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => db.LockAsync(new string('x', 256), TimeSpan.FromSeconds(1), TimeSpan.Zero));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => db.LockAsync("x", TimeSpan.Zero, TimeSpan.Zero));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => db.LockAsync("x", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public async Task Locks_named_dot_and_dot_dot_are_locks_of_their_own_and_fence_a_record_named_dot_dot()
    {
        using var dir = new TempDirectory("mynosql-lock-dots-");
        await using var db = await MyNoSqlDb.OpenAsync(Db, new MyNoSqlOptions { DataDirectory = dir.Path, SyncInterval = Timeout.InfiniteTimeSpan });
        await db.AddPeerAsync(fixture.Url(1));
        // The HTTP stack would remove '.' and '..' as dot segments (before: 405 from /db/{db}/, or an empty name).
        await using var dot = await db.LockAsync(".", TimeSpan.FromSeconds(30), TimeSpan.Zero);
        await using var dots = await db.LockAsync("..", TimeSpan.FromSeconds(30), TimeSpan.Zero);
        Assert.Equal(".", dot.Name);
        Assert.Equal("..", dots.Name);
        await Assert.ThrowsAsync<LockTimeoutException>(() => db.LockAsync("..", TimeSpan.FromSeconds(5), TimeSpan.Zero));
        await using (var other = await db.LockAsync("dots-other", TimeSpan.FromSeconds(5), TimeSpan.Zero)) { } // not taken by either
        var saved = await db.SaveDocAsync(new JsonObject { ["id"] = "..", ["v"] = 1 }, new SaveOptions { Fence = dots });
        Assert.Equal("..", (string)saved["id"]!);
        await dots.RenewAsync();
        await dots.ReleaseAsync();
        await dot.ReleaseAsync();
        await using var again = await db.LockAsync("..", TimeSpan.FromSeconds(5), TimeSpan.Zero);
        Assert.True(again.FencingToken > dots.FencingToken);
    }

    [Fact]
    public async Task Without_a_reachable_mirror_LockAsync_fails_at_once()
    {
        using var dir = new TempDirectory("mynosql-lock-offline-");
        await using var alone = await MyNoSqlDb.OpenAsync(Db, new MyNoSqlOptions { DataDirectory = Path.Combine(dir.Path, "a"), SyncInterval = Timeout.InfiniteTimeSpan });
        await Assert.ThrowsAsync<LockUnavailableException>(() => alone.LockAsync("x", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)));

        await using var cut = await MyNoSqlDb.OpenAsync(Db, new MyNoSqlOptions { DataDirectory = Path.Combine(dir.Path, "b"), SyncInterval = Timeout.InfiniteTimeSpan });
        await cut.AddPeerAsync($"http://127.0.0.1:{FreePorts.Next()}"); // nothing listens there
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<LockUnavailableException>(() => cut.LockAsync("x", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_SIGKILLed_holder_loses_its_lock_within_ttl_plus_one_second()
    {
        const double Ttl = 2;
        using var dir = new TempDirectory("mynosql-lock-holder-");
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "exec", Path.Combine(AppContext.BaseDirectory, "MyNoSql.PeerWorker.dll"), "lock", "--data", dir.Path, "--db", Db,
                     "--mirror", fixture.Url(1), "--lock", "holder", "--ttl", "2" })
            psi.ArgumentList.Add(a);
        using var holder = new Process { StartInfo = psi };
        holder.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        holder.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue("stderr: " + e.Data); };
        holder.Start();
        holder.BeginOutputReadLine();
        holder.BeginErrorReadLine();
        try
        {
            await UntilAsync(() => lines.Any(l => l.StartsWith("RENEWED", StringComparison.Ordinal)) || holder.HasExited, TimeSpan.FromSeconds(60), "the holder to renew");
            Assert.False(holder.HasExited, string.Join("\n", lines));
            long held = long.Parse(lines.First(l => l.StartsWith("LOCKED", StringComparison.Ordinal)).Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            // Renewed, so still held after more than its ttl.
            await UntilAsync(() => lines.Count(l => l.StartsWith("RENEWED", StringComparison.Ordinal)) >= 4, TimeSpan.FromSeconds(30), "more renewals");
            var busy = await AcquireAsync(fixture.Http, fixture.Url(2), Db, "holder", ttl: 5, wait: 0);
            Assert.Equal(HttpStatusCode.Conflict, busy.Status);

            // Kill right after a renewal answered, so no renewal is in flight: one the mirror accepted after the kill
            // would rightly hold the lock until its own ttl ran out (renewals come every ttl / 3).
            int renewed = lines.Count(l => l.StartsWith("RENEWED", StringComparison.Ordinal));
            await UntilAsync(() => lines.Count(l => l.StartsWith("RENEWED", StringComparison.Ordinal)) > renewed, TimeSpan.FromSeconds(30), "the next renewal");
            holder.Kill(entireProcessTree: true);
            var killed = Stopwatch.StartNew();
            await holder.WaitForExitAsync();
            var next = await AcquireAsync(fixture.Http, fixture.Url(0), Db, "holder", ttl: 5, wait: 10);
            var freedAfter = killed.Elapsed;
            Assert.Equal(HttpStatusCode.OK, next.Status);
            Assert.True(Token(next.Body) > held);
            Assert.True(freedAfter <= TimeSpan.FromSeconds(Ttl + 1), $"the lock freed {freedAfter.TotalSeconds:0.00} s after the kill (ttl {Ttl} s)");
            await ReleaseAsync(fixture.Http, fixture.Url(0), Db, "holder", Token(next.Body));
        }
        finally
        {
            if (!holder.HasExited) holder.Kill(entireProcessTree: true);
        }
    }
}
