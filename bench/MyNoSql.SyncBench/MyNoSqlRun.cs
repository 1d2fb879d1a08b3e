using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using MyNoSql.Tests.Support;

namespace MyNoSql.SyncBench;

/// <summary>
/// The MyNoSql side: real mirror processes, peer A (Peer mode) saving every document offline and then syncing, an
/// empty Mirror-mode peer B pulling everything, 1% changed on A (push round, pull round into B), no-change rounds.
/// Every peer's sync transport counts its bytes at the socket (headers and bodies, both directions).
/// </summary>
internal sealed class MyNoSqlRun(int docs, int mirrors, string root, string? externalMirror, Action<string> say)
{
    private const string Db = "syncbench";

    private List<int> _mirrorPids = [];
    private Func<CancellationToken, Task>? _beforePhases;
    private Func<string, CancellationToken, Task>? _afterPhase;

    public List<PhaseResult> Phases { get; } = [];

    public JsonObject Facts { get; } = [];

    /// <summary>Runs every phase; <paramref name="beforePhases"/> runs once peer A holds every document (the PouchDB
    /// setup), <paramref name="afterPhase"/> after each phase with its name (the matching PouchDB phase).</summary>
    public async Task RunAsync(Func<CancellationToken, Task>? beforePhases, Func<string, CancellationToken, Task>? afterPhase, CancellationToken ct)
    {
        _beforePhases = beforePhases;
        _afterPhase = afterPhase;
        if (externalMirror is not null)
        {
            await RunPhasesAsync(externalMirror, ct); // profiling a mirror started by hand: no mirror CPU figures
            return;
        }
        var silos = await StartMirrorsAsync(ct);
        _mirrorPids = ProcessCpu.Find(root);
        try
        {
            await RunPhasesAsync(silos[0].BaseUrl, ct);
        }
        finally
        {
            // The data is thrown away: SIGKILL instead of a clean stop that would seal ~100 MB with LZMA for minutes.
            foreach (var silo in silos)
            {
                await silo.KillAsync();
                await silo.DisposeAsync();
            }
        }
    }

    private async Task<List<SiloProcess>> StartMirrorsAsync(CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var silos = new List<SiloProcess>();
        int primarySiloPort = 0;
        for (int i = 0; i < mirrors; i++)
        {
            for (int attempt = 1; ; attempt++)
            {
                int httpPort = FreePorts.Next(), siloPort = FreePorts.Next(), gatewayPort = FreePorts.Next();
                string[] extra = i == 0 ? ["--cluster-id", "syncbench"] : ["--cluster-id", "syncbench", "--primary", $"127.0.0.1:{primarySiloPort}"];
                var silo = SiloProcess.Start(Path.Combine(root, $"mirror{i}"), httpPort, siloPort, gatewayPort, extra);
                try
                {
                    await silo.WaitHealthyAsync(http, TimeSpan.FromSeconds(90));
                    if (i == 0) primarySiloPort = siloPort;
                    silos.Add(silo);
                    say($"mirror {i} up at {silo.BaseUrl}");
                    break;
                }
                catch (Exception) when (attempt < 3)
                {
                    await silo.DisposeAsync(); // a port taken meanwhile: fresh ones
                }
            }
        }
        // Every mirror lists all of them before the peers start (a 3-mirror write needs a majority).
        var deadline = Stopwatch.StartNew();
        while (mirrors > 1 && deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            ct.ThrowIfCancellationRequested();
            var counts = await Task.WhenAll(silos.Select(async s =>
            {
                try { return JsonNode.Parse(await http.GetStringAsync($"{s.BaseUrl}/mirrors", ct))!.AsArray().Count; }
                catch (HttpRequestException) { return 0; }
                catch (TaskCanceledException) { return 0; }
            }));
            if (counts.All(c => c >= mirrors)) break;
            await Task.Delay(200, ct);
        }
        return silos;
    }

    private async Task<MyNoSqlDb> OpenPeerAsync(string name, WireCounter wire, Progress progress)
    {
        var options = new MyNoSqlOptions
        {
            DataDirectory = Path.Combine(root, name),
            SyncInterval = Timeout.InfiniteTimeSpan, // rounds only when the bench calls SyncAsync
            ReadFreshness = Timeout.InfiniteTimeSpan, // reads between phases are set-up: no per-read mirror requests
            SyncRequestTimeout = TimeSpan.FromMinutes(5),
            SyncProgress = progress,
            ConfigureHttpHandler = h => h.ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, token);
                    wire.AddConnection();
                    return new CountingStream(new NetworkStream(socket, ownsSocket: true), wire);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return await MyNoSqlDb.OpenAsync(Db, options);
    }

    private async Task RunPhasesAsync(string mirror, CancellationToken ct)
    {
        var wireA = new WireCounter();
        var wireB = new WireCounter();
        var progress = new Progress();
        // The peers are not disposed: closing seals each ~100 MB log with LZMA (minutes on a loaded machine) and the
        // temp directory is deleted anyway; their background threads end with the process.
        var a = await OpenPeerAsync("peer-a", wireA, progress);

        var clock = Stopwatch.StartNew();
        const int SaveBatch = 1000;
        for (int start = 0; start < docs; start += SaveBatch)
            await a.SaveDocsAsync(Enumerable.Range(start, Math.Min(SaveBatch, docs - start)).Select(PlayerDocs.Create), ct);
        Facts["peerASaveSeconds"] = Math.Round(clock.Elapsed.TotalSeconds, 3);
        say($"peer A saved {docs:N0} docs offline in {clock.Elapsed.TotalSeconds:F1} s ({a.GetSyncStatus().PendingWrites:N0} in the outbox)");

        await a.AddPeerAsync(mirror, ct); // GET /mirrors: not part of any phase
        if (_beforePhases is not null) await _beforePhases(ct);
        await PhaseAsync("initial push", a, wireA, progress, ct);

        var b = await OpenPeerAsync("peer-b", wireB, progress);
        await b.SetModeAsync(DbMode.Mirror, ct);
        await b.AddPeerAsync(mirror, ct);
        await PhaseAsync("initial pull", b, wireB, progress, ct);
        long heldByB = 0;
        await foreach (var _ in b.ListIdsAsync(cancellationToken: ct)) heldByB++;
        if (heldByB != docs) throw new InvalidOperationException($"peer B holds {heldByB} records after the initial pull, expected {docs}");

        // 1%: every 100th document after a play session, each on top of A's current revision.
        var changed = new List<JsonObject>();
        foreach (int i in PlayerDocs.ChangedIndexes(docs))
        {
            var current = await a.ReadDocAsync(PlayerDocs.Id(i), ct) ?? throw new InvalidOperationException($"peer A lost {PlayerDocs.Id(i)}");
            var doc = PlayerDocs.Changed(i);
            doc["rev"] = (string)current["rev"]!;
            changed.Add(doc);
        }
        var saved = await a.SaveDocsAsync(changed, ct);
        say($"peer A changed {saved.Count:N0} docs");
        await PhaseAsync("1% push", a, wireA, progress, ct);
        await PhaseAsync("1% pull", b, wireB, progress, ct);
        string probe = PlayerDocs.Id(0);
        string expected = (string)saved[0]["rev"]!;
        var atB = await b.ReadDocAsync(probe, ct);
        if ((string?)atB?["rev"] != expected) throw new InvalidOperationException($"peer B has {probe} at {(string?)atB?["rev"]}, expected {expected}");

        await PhaseAsync("no-change round (A)", a, wireA, progress, ct);
        await PhaseAsync("no-change round (B)", b, wireB, progress, ct);
        Facts["connectionsA"] = wireA.Connections;
        Facts["connectionsB"] = wireB.Connections;
    }

    private async Task PhaseAsync(string name, MyNoSqlDb peer, WireCounter wire, Progress progress, CancellationToken ct)
    {
        long up = wire.Sent, down = wire.Received;
        double serverCpu = MirrorCpu(), clientCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var clock = Stopwatch.StartNew();
        var timer = new Timer(_ =>
        {
            var p = progress.Last;
            say($"{name}: {clock.Elapsed.TotalSeconds:F0} s, {p?.WritesToPush:N0} writes to push, {p?.ChangesPulled:N0} changes pulled, {p?.RecordsFetched:N0} fetched; {(wire.Sent - up) / 1e6:F1} MB up, {(wire.Received - down) / 1e6:F1} MB down");
        }, null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
        try
        {
            await peer.SyncAsync(ct);
        }
        finally
        {
            await timer.DisposeAsync();
        }
        double seconds = clock.Elapsed.TotalSeconds;
        var status = peer.GetSyncStatus();
        if (status.PendingWrites != 0) throw new InvalidOperationException($"{name}: {status.PendingWrites} writes still in the outbox ({status.LastError})");
        var result = new PhaseResult(name, seconds, wire.Sent - up, wire.Received - down, null,
            Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - clientCpu, MirrorCpu() - serverCpu);
        Phases.Add(result);
        say($"{name}: {seconds:F3} s, {result.Up:N0} B up, {result.Down:N0} B down; CPU s: peer {result.ClientCpu:F2}, mirrors {result.ServerCpu:F2}");
        if (_afterPhase is not null) await _afterPhase(name, ct);
    }

    private double MirrorCpu() => _mirrorPids.Sum(pid => ProcessCpu.Seconds(pid) ?? 0);

    /// <summary>The last progress report of whichever round is running (reported synchronously).</summary>
    private sealed class Progress : IProgress<SyncProgress>
    {
        public SyncProgress? Last { get; private set; }

        public void Report(SyncProgress value) => Last = value;
    }
}
