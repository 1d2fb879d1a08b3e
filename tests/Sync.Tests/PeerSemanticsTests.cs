using MyNoSql.Tests.Support;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using MyNoSql.Sync.Tests.Support;

namespace MyNoSql.Sync.Tests;

/// <summary>
/// DESIGN §3's peer semantics against one real mirror process: backfill on switching to Mirror, ReadFreshness,
/// RemovePeerAsync and the pruning of mirrors gone for long.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class PeerSemanticsTests(MirrorFixture mirror) : IAsyncLifetime
{
    private readonly TempDirectory _root = new("mynosql-semantics-");
    private readonly List<MyNoSqlDb> _open = [];
    private readonly WireCounter _wire = new();
    private int _next;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var db in _open) await db.DisposeAsync();
        _root.Dispose();
    }

    [Fact]
    public async Task Switching_to_Mirror_downloads_every_record_the_peer_skipped_in_Peer_mode()
    {
        var writer = await OpenAsync("backfill");
        for (int i = 0; i < 30; i++) await writer.SaveDocAsync(Peers.Doc($"r/{i:00}", $"text {i}"));
        await writer.AddPeerAsync(mirror.Url);
        await writer.SyncAsync();

        string dir = NewDirectory();
        var reader = await OpenAsync("backfill", dir);
        await reader.AddPeerAsync(mirror.Url);
        Assert.NotNull(await reader.ReadDocAsync("r/03"));
        await reader.SyncAsync(); // Peer mode: the checkpoint moves past the 29 records it does not hold
        Assert.Equal(["r/03"], await LocalIdsAsync(reader));

        await writer.SaveDocAsync(Peers.Doc("r/30", "written before the switch"));
        await writer.SyncAsync();
        await reader.SetModeAsync(DbMode.Mirror);
        await reader.SyncAsync();
        var expected = Enumerable.Range(0, 31).Select(i => $"r/{i:00}").ToList();
        Assert.Equal(expected, await LocalIdsAsync(reader));
        Assert.Equal("text 17", (string)(await reader.ReadDocAsync("r/17"))!["text"]!);

        // Later rounds keep it full, and the mode and what was fetched survive a reopen.
        await writer.SaveDocAsync(Peers.Doc("r/31", "after"));
        await writer.SyncAsync();
        await reader.SyncAsync();
        await CloseAsync(reader);
        var reopened = await OpenAsync("backfill", dir);
        Assert.Equal(DbMode.Mirror, reopened.Mode);
        Assert.Equal([.. expected, "r/31"], await LocalIdsAsync(reopened));
    }

    [Fact]
    public async Task A_read_after_the_freshness_window_sees_what_the_mirror_acknowledged_without_a_sync_round()
    {
        var writer = await OpenAsync("fresh");
        await writer.AddPeerAsync(mirror.Url);
        var v1 = await writer.SaveDocAsync(Peers.Doc("x", "v1"));
        await writer.SyncAsync();

        var freshness = TimeSpan.FromSeconds(1);
        var reader = await OpenAsync("fresh", configure: o => o.ReadFreshness = freshness);
        await reader.AddPeerAsync(mirror.Url);
        Assert.Equal("v1", (string)(await reader.ReadDocAsync("x"))!["text"]!);
        await reader.SyncAsync();

        v1["text"] = "v2";
        var v2 = await writer.SaveDocAsync(v1);
        await writer.SyncAsync(); // acknowledged by the mirror when this returns
        var acknowledged = DateTimeOffset.UtcNow;
        Assert.Equal(0, writer.GetSyncStatus().PendingWrites);

        // The reader runs no round (its loop is off): only the freshness rule can bring v2.
        var wait = acknowledged + freshness - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero) await Task.Delay(wait + TimeSpan.FromMilliseconds(50));
        var read = await reader.ReadDocAsync("x");
        Assert.Equal((string)v2["rev"]!, (string)read!["rev"]!);
        Assert.Equal("v2", (string)read["text"]!);
    }

    [Fact]
    public async Task Within_the_freshness_window_of_a_pull_reads_stay_local_and_cost_nothing_on_the_wire()
    {
        var writer = await OpenAsync("window");
        await writer.AddPeerAsync(mirror.Url);
        await writer.SaveDocAsync(Peers.Doc("y", "v1"));
        await writer.SyncAsync();

        var reader = await OpenAsync("window", configure: o => o.ReadFreshness = TimeSpan.FromMinutes(10));
        var never = await OpenAsync("window", configure: o => o.ReadFreshness = Timeout.InfiniteTimeSpan);
        foreach (var p in new[] { reader, never })
        {
            await p.AddPeerAsync(mirror.Url);
            Assert.NotNull(await p.ReadDocAsync("y"));
            await p.SyncAsync();
        }
        _wire.Reset();
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal("v1", (string)(await reader.ReadDocAsync("y"))!["text"]!);
            Assert.Equal("v1", (string)(await never.ReadDocAsync("y"))!["text"]!);
        }
        Assert.Equal(0, _wire.Sent);

        // Zero freshness: every read of a held record asks the mirror first.
        var eager = await OpenAsync("window", configure: o => o.ReadFreshness = TimeSpan.Zero);
        await eager.AddPeerAsync(mirror.Url);
        Assert.Equal("v1", (string)(await eager.ReadDocAsync("y"))!["text"]!);
        var current = (await writer.ReadDocAsync("y"))!;
        current["text"] = "v2";
        await writer.SaveDocAsync(current);
        await writer.SyncAsync();
        Assert.Equal("v2", (string)(await eager.ReadDocAsync("y"))!["text"]!);
        Assert.Equal("v1", (string)(await never.ReadDocAsync("y"))!["text"]!);
    }

    [Fact]
    public async Task A_held_record_outside_the_sync_prefixes_is_refreshed_by_reads_since_pulls_do_not_list_it()
    {
        var writer = await OpenAsync("outside");
        await writer.AddPeerAsync(mirror.Url);
        var doc = await writer.SaveDocAsync(Peers.Doc("/us/1", "v1"));
        await writer.SyncAsync();

        var reader = await OpenAsync("outside", configure: o =>
        {
            o.SyncPrefixes.Add("/eu/");
            o.ReadFreshness = TimeSpan.FromMinutes(10);
        });
        await reader.AddPeerAsync(mirror.Url);
        Assert.Equal("v1", (string)(await reader.ReadDocAsync("/us/1"))!["text"]!); // on demand: held from now on
        doc["text"] = "v2";
        await writer.SaveDocAsync(doc);
        await writer.SyncAsync();
        await reader.SyncAsync(); // a complete pull, but of /eu/ only: it says nothing about /us/1
        Assert.Equal("v2", (string)(await reader.ReadDocAsync("/us/1"))!["text"]!);
    }

    [Fact]
    public async Task A_mirror_that_failed_is_skipped_by_reads_until_a_round_reaches_it_again()
    {
        var writer = await OpenAsync("backoff");
        await writer.AddPeerAsync(mirror.Url);
        var doc = await writer.SaveDocAsync(Peers.Doc("z", "v1"));
        await writer.SyncAsync();

        // Zero freshness: while the mirror is usable, every read of a held record asks it first.
        var readerWire = new WireCounter();
        bool down = false;
        // The reader's clock moves 1 ms per look, so its 2 s back-off cannot run out however slow the machine is.
        var reader = await OpenAsync("backoff", configure: o => (o.ReadFreshness, o.TimeProvider) = (TimeSpan.Zero, new TickingClock()),
            wire: readerWire, down: () => Volatile.Read(ref down));
        await reader.AddPeerAsync(mirror.Url);
        Assert.Equal("v1", (string)(await reader.ReadDocAsync("z"))!["text"]!);

        // The reader's network goes down: its open connection is cut and new ones fail.
        Volatile.Write(ref down, true);
        readerWire.CutAfterSent = readerWire.Sent;
        Assert.Equal("v1", (string)(await reader.ReadDocAsync("z"))!["text"]!); // the local copy
        Assert.NotNull(reader.GetSyncStatus().LastError);
        doc["text"] = "v2";
        doc = await writer.SaveDocAsync(doc);
        await writer.SyncAsync();

        // The network is back, but the mirror is in back-off: the read answers locally without a request.
        readerWire.CutAfterSent = null;
        Volatile.Write(ref down, false);
        long sent = readerWire.Sent;
        Assert.Equal("v1", (string)(await reader.ReadDocAsync("z"))!["text"]!);
        Assert.Equal(sent, readerWire.Sent);

        await reader.SyncAsync(); // a round reaches it: back-off over
        doc["text"] = "v3";
        await writer.SaveDocAsync(doc);
        await writer.SyncAsync();
        Assert.Equal("v3", (string)(await reader.ReadDocAsync("z"))!["text"]!);
    }

    [Fact]
    public async Task A_hung_mirror_costs_reads_nothing_once_it_failed_and_freshness_holds_again_once_it_answers()
    {
        var writer = await OpenAsync("hung");
        await writer.AddPeerAsync(mirror.Url);
        var doc = await writer.SaveDocAsync(Peers.Doc("h", "v1"));
        await writer.SyncAsync();

        // While hung, the reader's new connections to the mirror reach a listener that accepts and never answers (the
        // mirror's process stopped); none is reused, so each request connects anew.
        using var silent = new SilentListener();
        bool hung = false;
        var clock = new TickingClock();
        var probe = TimeSpan.FromSeconds(5);
        var reader = await OpenAsync("hung", configure: o =>
        {
            (o.ReadFreshness, o.TimeProvider, o.ReadProbeTimeout) = (TimeSpan.Zero, clock, probe);
            var configure = o.ConfigureHttpHandler!;
            o.ConfigureHttpHandler = h =>
            {
                configure(h);
                h.PooledConnectionLifetime = TimeSpan.Zero;
                var connect = h.ConnectCallback!;
                h.ConnectCallback = async (context, ct) =>
                {
                    if (!Volatile.Read(ref hung)) return await connect(context, ct);
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                    try
                    {
                        await socket.ConnectAsync(silent.EndPoint, ct);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                };
            };
        });
        await reader.AddPeerAsync(mirror.Url);
        Assert.Equal("v1", (string)(await reader.ReadDocAsync("h"))!["text"]!);

        Volatile.Write(ref hung, true);
        doc["text"] = "v2";
        doc = await writer.SaveDocAsync(doc);
        await writer.SyncAsync();
        // The first read learns that the mirror hangs: it may wait the probe time limit, then answers locally.
        Assert.Equal("v1", (string)(await reader.ReadDocAsync("h"))!["text"]!);
        await UntilAsync(() => silent.Accepted == 1, "the first read's probe");

        // Reads after the back-off ran out (the clock jumps a minute each time) answer at once; the mirror is
        // re-checked in the background meanwhile.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var watch = new System.Diagnostics.Stopwatch();
        for (int reads = 0; silent.Accepted < 3 || reads < 5; reads++)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the background re-checks did not reach the mirror ({silent.Accepted} connections)");
            clock.Advance(TimeSpan.FromMinutes(1));
            watch.Restart();
            Assert.Equal("v1", (string)(await reader.ReadDocAsync("h"))!["text"]!);
            Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(2500), $"read {reads} took {watch.Elapsed} while the mirror hangs (probe 5 s)");
            await Task.Delay(50);
        }

        // The mirror answers again: once a re-check reaches it, reads wait on it again and see what it acknowledged.
        Volatile.Write(ref hung, false);
        silent.DropAll();
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            Assert.True(DateTime.UtcNow < deadline, "reads never asked the mirror again");
            clock.Advance(TimeSpan.FromMinutes(1));
            if ((string)(await reader.ReadDocAsync("h"))!["text"]! == "v2") break;
            await Task.Delay(50);
        }
        doc["text"] = "v3";
        await writer.SaveDocAsync(doc);
        await writer.SyncAsync();
        Assert.Equal("v3", (string)(await reader.ReadDocAsync("h"))!["text"]!);
    }

    [Fact]
    public async Task A_removed_mirror_is_not_learnt_again_and_a_mirror_gone_for_long_is_pruned()
    {
        string dir = NewDirectory();
        string viaName = $"http://localhost:{mirror.Mirror.HttpPort}";
        string dead = $"http://127.0.0.1:{FreePorts.Next()}";
        var peer = await OpenAsync("prune", dir, o => o.MirrorPruneAfter = TimeSpan.FromDays(7));
        await peer.AddPeerAsync(viaName); // the mirror lists itself as mirror.Url: both are known now
        Assert.Equal([viaName, mirror.Url], peer.GetSyncStatus().Mirrors);
        await peer.AddPeerAsync(dead);
        Assert.True(await peer.RemovePeerAsync(mirror.Url));
        await CloseAsync(peer);

        // Eight days pass for the dead mirror (and for the live one, which the round then sees again).
        string file = Path.Combine(dir, "prune", "peer.json");
        var json = JsonNode.Parse(await File.ReadAllTextAsync(file))!.AsObject();
        var seen = json["mirrorLastSeen"]!.AsObject();
        Assert.NotNull(seen[dead]);
        seen[dead] = DateTimeOffset.UtcNow.AddDays(-8);
        seen[viaName] = DateTimeOffset.UtcNow.AddDays(-8);
        await File.WriteAllTextAsync(file, json.ToJsonString());

        peer = await OpenAsync("prune", dir, o => o.MirrorPruneAfter = TimeSpan.FromDays(7));
        Assert.Equal([viaName, dead], peer.GetSyncStatus().Mirrors);
        await peer.SyncAsync(); // asks viaName for the cluster's mirrors: mirror.Url stays removed, dead is pruned
        Assert.Equal([viaName], peer.GetSyncStatus().Mirrors);
        await CloseAsync(peer);
        peer = await OpenAsync("prune", dir);
        Assert.Equal([viaName], peer.GetSyncStatus().Mirrors);
    }

    [Fact]
    public async Task The_last_known_mirror_is_never_pruned()
    {
        string dir = NewDirectory();
        string dead = $"http://127.0.0.1:{FreePorts.Next()}";
        var peer = await OpenAsync("lastone", dir, o => o.MirrorPruneAfter = TimeSpan.FromSeconds(1));
        await peer.AddPeerAsync(dead);
        await CloseAsync(peer);
        string file = Path.Combine(dir, "lastone", "peer.json");
        var json = JsonNode.Parse(await File.ReadAllTextAsync(file))!.AsObject();
        json["mirrorLastSeen"]![dead] = DateTimeOffset.UtcNow.AddDays(-30);
        await File.WriteAllTextAsync(file, json.ToJsonString());

        peer = await OpenAsync("lastone", dir, o => o.MirrorPruneAfter = TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<MyNoSqlException>(() => peer.SyncAsync());
        Assert.Equal([dead], peer.GetSyncStatus().Mirrors);
    }

    private string NewDirectory() => Path.Combine(_root.Path, $"peer-{Interlocked.Increment(ref _next)}");

    /// <summary>A peer whose connections count on <paramref name="wire"/> (default: the class's) and fail while <paramref name="down"/> says so.</summary>
    private async Task<MyNoSqlDb> OpenAsync(string db, string? directory = null, Action<MyNoSqlOptions>? configure = null, WireCounter? wire = null, Func<bool>? down = null)
    {
        var options = new MyNoSqlOptions
        {
            DataDirectory = directory ?? NewDirectory(),
            SyncInterval = Timeout.InfiniteTimeSpan,
            // A read that must fetch a newer revision gets the time a loaded machine needs: past the default 2 s the
            // mirror goes into back-off and the read answers from the local copy, which these tests would take for stale.
            ReadProbeTimeout = TimeSpan.FromSeconds(30),
            ConfigureHttpHandler = h => h.ConnectCallback = async (context, ct) =>
            {
                if (down?.Invoke() == true) throw new HttpRequestException("the network is down (test)");
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new CountingStream(new NetworkStream(socket, ownsSocket: true), wire ?? _wire);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        configure?.Invoke(options);
        var peer = await MyNoSqlDb.OpenAsync(db, options);
        _open.Add(peer);
        return peer;
    }

    private async Task CloseAsync(MyNoSqlDb peer)
    {
        _open.Remove(peer);
        await peer.DisposeAsync();
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

    private static async Task<List<string>> LocalIdsAsync(MyNoSqlDb db)
    {
        var ids = new List<string>();
        await foreach (var id in db.ListIdsAsync("")) ids.Add(id);
        return ids;
    }

    /// <summary>A clock that moves one millisecond each time it is read, and as far as the test moves it.</summary>
    private sealed class TickingClock : TimeProvider
    {
        private long _reads;
        private long _advanced;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _advanced, by.Ticks);

        public override DateTimeOffset GetUtcNow() =>
            new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(Interlocked.Read(ref _advanced)).AddMilliseconds(Interlocked.Increment(ref _reads));
    }
}
