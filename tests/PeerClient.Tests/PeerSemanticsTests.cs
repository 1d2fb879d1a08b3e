using MyNoSql.Tests.Support;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace MyNoSql.PeerClient.Tests;

/// <summary>DESIGN §3 from outside, without a mirror: paged listing, the one lock, forgetting mirrors, offline reads.</summary>
public class PeerSemanticsTests
{
    [Fact]
    public async Task ListIds_with_after_and_limit_pages_like_the_gateway()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("pages", dir.Options());
        string[] ids = ["/a/1", "/a/10", "/a/2", "/a/3", "/a/Z", "/b/1"];
        foreach (var id in ids) await db.SaveDocAsync(new JsonObject { ["id"] = id });
        var gone = await db.SaveDocAsync(new JsonObject { ["id"] = "/a/20" });
        await db.DeleteDocAsync("/a/20", (string)gone["rev"]!);

        // Pages of 2 with the last id as the next "after": every live id under the prefix once, ordinal order.
        var pages = new List<List<string>>();
        string? after = null;
        while (true)
        {
            var page = new List<string>();
            await foreach (var id in db.ListIdsAsync("/a/", after, 2)) page.Add(id);
            pages.Add(page);
            if (page.Count < 2) break;
            after = page[^1];
        }
        Assert.Equal([["/a/1", "/a/10"], ["/a/2", "/a/3"], ["/a/Z"]], pages);

        // after need not be an existing id; ids equal to it are excluded.
        var rest = new List<string>();
        await foreach (var id in db.ListIdsAsync("", "/a/2", 100)) rest.Add(id);
        Assert.Equal(["/a/3", "/a/Z", "/b/1"], rest);

        Assert.Throws<ArgumentOutOfRangeException>(() => db.ListIdsAsync("", null, 0));
        Assert.Throws<ArgumentException>(() => db.ListIdsAsync("", "", 10));
        Assert.Throws<ArgumentNullException>(() => db.ListIdsAsync(null!, null, 10));
    }

    [Fact]
    public async Task One_lock_file_guards_the_database_and_the_old_second_one_is_gone()
    {
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "onelock");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, "LOCK"), []); // left by a version with two locks
        await using (var db = await MyNoSqlDb.OpenAsync("onelock", dir.Options()))
        {
            var locks = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(folder, f)).Where(f => f.Contains("lock", StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.Equal([Path.Combine("store", "store.lock")], locks);
            var e = await Assert.ThrowsAsync<DatabaseLockedException>(() => MyNoSqlDb.OpenAsync("onelock", dir.Options()));
            Assert.Contains("onelock", e.Message);
            // The refused opener touched nothing: the first handle still works.
            await db.SaveDocAsync(new JsonObject { ["id"] = "still-mine" });
        }
        await using var again = await MyNoSqlDb.OpenAsync("onelock", dir.Options());
        Assert.NotNull(await again.ReadDocAsync("still-mine"));
    }

    [Fact]
    public async Task RemovePeer_forgets_a_mirror_on_disk_and_validates_the_url()
    {
        using var dir = new TempDir();
        int a = FreePorts.Next(), b = FreePorts.Next();
        await using (var db = await MyNoSqlDb.OpenAsync("forget", dir.Options()))
        {
            await db.AddPeerAsync($"http://127.0.0.1:{a}");
            await db.AddPeerAsync($"http://127.0.0.1:{b}/");
            Assert.True(await db.RemovePeerAsync($"http://127.0.0.1:{b}"));
            Assert.False(await db.RemovePeerAsync("http://127.0.0.1:1"));
            await Assert.ThrowsAsync<ArgumentException>(() => db.RemovePeerAsync("not a url"));
            Assert.Equal([$"http://127.0.0.1:{a}"], db.GetSyncStatus().Mirrors);
        }
        await using (var db = await MyNoSqlDb.OpenAsync("forget", dir.Options()))
        {
            Assert.Equal([$"http://127.0.0.1:{a}"], db.GetSyncStatus().Mirrors);
            // Adding it again is the way back.
            await db.AddPeerAsync($"http://127.0.0.1:{b}");
            Assert.Equal([$"http://127.0.0.1:{a}", $"http://127.0.0.1:{b}"], db.GetSyncStatus().Mirrors);
            Assert.True(await db.RemovePeerAsync($"http://127.0.0.1:{a}"));
            Assert.True(await db.RemovePeerAsync($"http://127.0.0.1:{b}"));
            Assert.Empty(db.GetSyncStatus().Mirrors);
        }
    }

    [Fact]
    public async Task Reads_while_every_mirror_is_down_answer_from_the_local_copy_without_waiting_on_timeouts()
    {
        using var dir = new TempDir();
        // One mirror accepts TCP (the kernel completes the handshake) but never answers; nothing listens on the other.
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            int silentPort = ((IPEndPoint)silent.LocalEndpoint).Port;
            var setup = dir.Options();
            setup.SyncRequestTimeout = TimeSpan.FromSeconds(1); // only so AddPeerAsync does not wait a minute here
            await using (var db = await MyNoSqlDb.OpenAsync("offline", setup))
            {
                await db.SaveDocAsync(new JsonObject { ["id"] = "local", ["v"] = 1 });
                await db.AddPeerAsync($"http://127.0.0.1:{silentPort}");
                await db.AddPeerAsync($"http://127.0.0.1:{FreePorts.Next()}");
            }

            // Reopened with the defaults (60 s request timeout, 5 s connect timeout, 5 s freshness): nothing known about the mirrors.
            await using var peer = await MyNoSqlDb.OpenAsync("offline", dir.Options());
            var clock = Stopwatch.StartNew();
            var first = await peer.ReadDocAsync("local");
            var firstTook = clock.Elapsed;
            Assert.Equal(1, (int)first!["v"]!);
            // The first read gives each mirror one bounded try (all within ReadProbeTimeout, 2 s).
            Assert.True(firstTook < TimeSpan.FromSeconds(4), $"first read took {firstTook}");
            Assert.Contains("local copy", peer.GetSyncStatus().LastError);

            // Both mirrors are now in back-off: reads skip them and answer at once, absent records included.
            clock.Restart();
            for (int i = 0; i < 20; i++) Assert.NotNull(await peer.ReadDocAsync("local"));
            Assert.Null(await peer.ReadDocAsync("never-seen"));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"21 reads in back-off took {clock.Elapsed}");
        }
        finally
        {
            silent.Stop();
        }
    }

    [Fact]
    public async Task Once_a_hung_mirror_failed_a_read_later_reads_never_wait_on_it_and_it_is_rechecked_in_the_background()
    {
        using var dir = new TempDir();
        using var silent = new SilentListener(); // the only mirror: accepts TCP, never answers (a stopped process)
        var setup = dir.Options();
        setup.SyncRequestTimeout = TimeSpan.FromSeconds(1); // only so AddPeerAsync does not wait a minute here
        await using (var db = await MyNoSqlDb.OpenAsync("hung", setup))
        {
            await db.SaveDocAsync(new JsonObject { ["id"] = "local", ["v"] = 1 });
            await db.AddPeerAsync(silent.Url);
        }
        await UntilAsync(() => silent.Accepted == 1, "the set-up connection");

        // Reopened: nothing known about the mirror. Zero freshness: every read would ask a mirror that answers.
        var clock = new ManualClock();
        var options = dir.Options();
        (options.ReadFreshness, options.TimeProvider) = (TimeSpan.Zero, clock);
        await using var peer = await MyNoSqlDb.OpenAsync("hung", options);
        var watch = Stopwatch.StartNew();
        Assert.Equal(1, (int)(await peer.ReadDocAsync("local"))!["v"]!);
        // The first read may wait the probe time limit (2 s): that is how it learns the mirror hangs.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"first read took {watch.Elapsed}");
        await UntilAsync(() => silent.Accepted == 2, "the first read's probe");

        // Each read comes after the back-off ran out (the clock jumps a minute): the mirror is re-checked in the
        // background, twice here, and no read waits on it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        int reads = 0;
        while (silent.Accepted < 4)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the background re-checks did not reach the mirror ({silent.Accepted} connections)");
            clock.Advance(TimeSpan.FromMinutes(1));
            watch.Restart();
            Assert.Equal(1, (int)(await peer.ReadDocAsync("local"))!["v"]!);
            Assert.Null(await peer.ReadDocAsync("never-seen"));
            Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(1500), $"read {reads} took {watch.Elapsed} with the mirror down (probe 2 s)");
            reads++;
            await Task.Delay(50);
        }
        Assert.True(reads > 2, $"{reads} reads");
    }

    [Fact]
    public async Task Adding_a_mirror_that_hangs_remembers_it_within_seconds_not_the_request_timeout()
    {
        using var dir = new TempDir();
        using var silent = new SilentListener(); // accepts TCP, never answers (a stopped process)
        await using (var db = await MyNoSqlDb.OpenAsync("addhung", dir.Options()))
        {
            var watch = Stopwatch.StartNew();
            await db.AddPeerAsync(silent.Url); // the default SyncRequestTimeout is 60 s
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"AddPeerAsync took {watch.Elapsed}");
            Assert.Equal([silent.Url], db.GetSyncStatus().Mirrors);
            Assert.Contains("did not answer", db.GetSyncStatus().LastError, StringComparison.Ordinal);
        }
        await using var reopened = await MyNoSqlDb.OpenAsync("addhung", dir.Options());
        Assert.Equal([silent.Url], reopened.GetSyncStatus().Mirrors);
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>A clock that stands still until the test moves it (read from the engine's threads).</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
    }

    [Fact]
    public async Task Invalid_freshness_and_prune_options_are_refused()
    {
        using var dir = new TempDir();
        var o = dir.Options();
        o.ReadFreshness = TimeSpan.FromSeconds(-2);
        await Assert.ThrowsAsync<ArgumentException>(() => MyNoSqlDb.OpenAsync("opts", o));
        o = dir.Options();
        o.MirrorPruneAfter = TimeSpan.Zero;
        await Assert.ThrowsAsync<ArgumentException>(() => MyNoSqlDb.OpenAsync("opts", o));
        o = dir.Options();
        (o.ReadFreshness, o.MirrorPruneAfter) = (Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        await using var ok = await MyNoSqlDb.OpenAsync("opts", o);
    }
}
