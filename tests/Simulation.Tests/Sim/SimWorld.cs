using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Sync;

namespace MyNoSql.Simulation.Tests.Sim;

/// <summary>A planned crash of a peer in the middle of a sync round (thrown through the peer's engine).</summary>
internal sealed class SimCrashException(string node) : Exception($"{node} crashed (simulated)");

/// <summary>
/// One simulated world: mirrors, peers, the faulty network and the history of acknowledged writes. Runs a schedule
/// one step at a time (each awaited, so thread scheduling cannot reorder anything that matters), then brings the
/// world to quiescence and checks the invariants (<see cref="Checker"/>).
/// </summary>
internal sealed partial class SimWorld
{
    private static int s_worlds;
    private readonly HashSet<long> _epochs = [];
    private readonly StringBuilder _trace = new();
    private int _step = -1;
    private readonly System.Diagnostics.Stopwatch _phase = System.Diagnostics.Stopwatch.StartNew();
    private string _phases = "";
    private readonly Dictionary<OpKind, double> _byKind = [];

    private void Phase(string name)
    {
        _phases += $"{name} {_phase.ElapsedMilliseconds} ms; ";
        _phase.Restart();
    }

    private SimWorld(int seed, SimOptions options, string root)
    {
        Id = Interlocked.Increment(ref s_worlds);
        Seed = seed;
        Options = options;
        Root = root;
        Net = new SimNetwork(options);
        Rng = new Random(seed);
        Mirrors = [.. Enumerable.Range(0, options.Mirrors).Select(i => new SimMirror(i, Path.Combine(root, $"m{i}"), options))];
        var modes = new Random(seed ^ 0x5eed);
        Peers = [.. Enumerable.Range(0, options.Peers).Select(i => new SimPeer(i, Path.Combine(root, $"p{i}"),
            i == 0 ? DbMode.Mirror : i == 1 ? DbMode.Peer : (modes.Next(2) == 0 ? DbMode.Mirror : DbMode.Peer)))];
        Ids = [.. Enumerable.Range(0, options.Ids).Select(i => i % 3 == 2 ? $"/shelf/{i}/item" : $"doc-{i}")];
        foreach (var m in Mirrors) m.Observer = new ResolutionRecorder(this, m.Name);
        foreach (var p in Peers) p.Observer = new ResolutionRecorder(this, p.Name);
    }

    public int Id { get; }

    public int Seed { get; }

    public SimOptions Options { get; }

    public string Root { get; }

    public SimNetwork Net { get; }

    /// <summary>The random stream of the step being run.</summary>
    public Random Rng { get; private set; }

    public SimMirror[] Mirrors { get; }

    public SimPeer[] Peers { get; }

    public string[] Ids { get; }

    public History History { get; } = new();

    public List<string> Violations { get; } = [];

    public string Trace => _trace.ToString();

    /// <summary>Runs seed <paramref name="seed"/>: the whole schedule, or only the steps in <paramref name="keep"/>.</summary>
    public static async Task<SimResult> RunAsync(int seed, SimOptions options, IReadOnlySet<int>? keep = null)
    {
        var schedule = Schedule.Generate(seed, options);
        if (keep is not null) schedule = [.. schedule.Where(op => keep.Contains(op.Index))];
        string root = Path.Combine(BaseDirectory(), $"s{seed}-{Guid.NewGuid():N}");
        var world = new SimWorld(seed, options, root);
        SimTransport.Register(world);
        var started = System.Diagnostics.Stopwatch.StartNew();
        string fingerprint = "";
        try
        {
            await world.SetUpAsync();
            world.Phase("setup");
            foreach (var op in schedule)
            {
                world._step = op.Index;
                world.Rng = new Random(op.Seed);
                world.Net.Advance(world.Rng.Next(1, 200));
                await world.DeliverAsync(all: false);
                var opClock = System.Diagnostics.Stopwatch.StartNew();
                try
                {
                    await world.StepAsync(op);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    world.Violation($"step #{op.Index} {op.Kind} threw {e.GetType().Name}: {e.Message}");
                }
                finally
                {
                    world._byKind[op.Kind] = world._byKind.GetValueOrDefault(op.Kind) + opClock.Elapsed.TotalMilliseconds;
                }
                if (world.Violations.Count > 0) break;
            }
            world.Phase("steps");
            if (world.Violations.Count == 0)
            {
                world._step = -2;
                world.Rng = new Random(seed ^ 0x51e7);
                if (await world.QuiesceAsync()) await new Checker(world).CheckAsync();
            }
            world.Phase("quiesce+check");
            fingerprint = await world.FingerprintAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            world.Violation($"the simulation itself failed: {e}");
        }
        finally
        {
            await world.ShutDownAsync();
            world.Phase("shutdown");
            if (Environment.GetEnvironmentVariable("MYNOSQL_SIM_PROFILE") == "1") Console.Error.WriteLine($"seed {seed}: {world._phases} {string.Join(", ", world._byKind.Select(k => $"{k.Key} {k.Value:F0}"))}");
            SimTransport.Unregister(world);
        }
        return new SimResult(seed, [.. world.Violations], [.. world.Notes], world.Trace, fingerprint, schedule.Select(o => o.Index).ToArray(), started.Elapsed);
    }

    /// <summary>
    /// A scripted scenario instead of a random schedule: <paramref name="script"/> drives the set-up world (faults off
    /// unless forced with <see cref="SimNetwork.Force"/>), then quiescence and the same invariants.
    /// </summary>
    public static async Task<SimResult> RunScriptAsync(SimOptions options, Func<SimWorld, Task> script)
    {
        string root = Path.Combine(BaseDirectory(), $"script-{Guid.NewGuid():N}");
        var world = new SimWorld(0, options, root);
        SimTransport.Register(world);
        try
        {
            await world.SetUpAsync();
            world.Net.FaultsEnabled = false;
            world._step = 0;
            await script(world);
            world._step = -2;
            if (world.Violations.Count == 0 && await world.QuiesceAsync()) await new Checker(world).CheckAsync();
        }
        finally
        {
            await world.ShutDownAsync();
            SimTransport.Unregister(world);
        }
        return new SimResult(0, [.. world.Violations], [.. world.Notes], world.Trace, "", [], TimeSpan.Zero);
    }

    /// <summary>Scripted scenarios: a save on a peer recorded in the history like a schedule's.</summary>
    public async Task<string> ScriptSaveAsync(int peer, string id, string? rev, int value)
    {
        var p = Peers[peer];
        var doc = new JsonObject { ["v"] = value, ["by"] = p.Name, ["id"] = id };
        if (rev is not null) doc["rev"] = rev;
        var saved = await p.Db!.SaveDocAsync(doc);
        var record = (await p.Db.Store.ReadRecordAsync(id))!;
        var leaf = record.Winner;
        History.Add(new Written(id, leaf.Rev, leaf.Ancestry.Length > 0 ? leaf.Ancestry[0] : default, false, Encoding.UTF8.GetString(leaf.Body.Span), p.Name, _step++));
        Log($"{p.Name} save '{id}' -> {Short(leaf.Rev)}");
        return (string)saved["rev"]!;
    }

    /// <summary>Scripted scenarios: one sync round; false when no mirror could be reached.</summary>
    public async Task<bool> ScriptSyncAsync(int peer)
    {
        try
        {
            await Peers[peer].Db!.SyncAsync();
            Log($"{Peers[peer].Name} sync ok");
            return true;
        }
        catch (MyNoSqlException e)
        {
            Log($"{Peers[peer].Name} sync failed: {e.Message}");
            return false;
        }
    }

    private static string BaseDirectory()
    {
        string? configured = Environment.GetEnvironmentVariable("MYNOSQL_SIM_DIR");
        if (!string.IsNullOrEmpty(configured)) return configured;
        // tmpfs when there is one: the crash model is a process kill (the page cache survives), so fsync cost buys nothing here.
        return System.IO.Directory.Exists("/dev/shm") ? "/dev/shm/mynosql-sim" : Path.Combine(Path.GetTempPath(), "mynosql-sim");
    }

    public void Log(string text) =>
        _trace.Append(CultureInfo.InvariantCulture, $"#{(_step >= 0 ? _step.ToString(CultureInfo.InvariantCulture) : _step == -1 ? "setup" : "quiesce")} t={Net.Now} {text}\n");

    /// <summary>Documented limits met in this run (not failures; counted in the summary).</summary>
    public List<string> Notes { get; } = [];

    public void KnownLimit(string text)
    {
        Notes.Add(text);
        Log("KNOWN LIMIT " + text);
    }

    public void Violation(string text)
    {
        Violations.Add(text);
        Log("VIOLATION " + text);
    }

    public long NextEpoch()
    {
        // Drawn from the seed; unique within the run (a clash between two mirrors' epochs would skip changes).
        while (true)
        {
            long e = Rng.NextInt64(1, long.MaxValue); // 64-bit, as index segment grains draw them (checkpoint v2)
            if (_epochs.Add(e)) return e;
        }
    }

    public IReadOnlyList<string> MirrorUrls(int peer) =>
        [.. Mirrors.Where(m => m.Up).Select(m => SimTransport.Url(Id, peer, m.Number))];

    private async Task SetUpAsync()
    {
        Net.FaultsEnabled = false;
        foreach (var m in Mirrors) await m.OpenAsync(NextEpoch);
        foreach (var p in Peers)
        {
            await p.OpenAsync();
            await p.Db!.SetModeAsync(p.Mode);
            await p.Db.AddPeerAsync(SimTransport.Url(Id, p.Number, p.Number % Mirrors.Length));
            if (Options.Policy is { } policy) await p.Db.SetMergePolicyAsync(policy);
            Log($"{p.Name} open in {p.Mode} mode, knows {string.Join(' ', p.Db.GetSyncStatus().Mirrors.Select(u => u[(u.LastIndexOf('-') + 1)..]))}");
        }
        Net.FaultsEnabled = true;
    }

    private async Task ShutDownAsync()
    {
        foreach (var p in Peers)
        {
            try { await p.CloseAsync(); } catch (Exception e) when (e is not OutOfMemoryException) { Violations.Add($"closing {p.Name} failed: {e.Message}"); }
        }
        foreach (var m in Mirrors)
        {
            try { await m.CloseAsync(); } catch (Exception e) when (e is not OutOfMemoryException) { Violations.Add($"closing {m.Name} failed: {e.Message}"); }
        }
        try { System.IO.Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Every replica's every record, one line each (determinism and convergence fingerprint).</summary>
    public async Task<string> FingerprintAsync()
    {
        var sb = new StringBuilder();
        foreach (var m in Mirrors.Where(m => m.Up))
        {
            foreach (var id in m.Ids().Order(StringComparer.Ordinal))
                sb.Append(CultureInfo.InvariantCulture, $"{m.Name} {id} {Describe(await m.ReadRecordAsync(id))}\n");
        }
        foreach (var p in Peers.Where(p => p.Up))
        {
            foreach (var h in p.Db!.Store.Records.List().OrderBy(h => h.Key, StringComparer.Ordinal))
                sb.Append(CultureInfo.InvariantCulture, $"{p.Name} {h.Key} {Describe(await p.Db.Store.ReadRecordAsync(h.Key))}\n");
        }
        return sb.ToString();
    }

    public static string Describe(DocumentRecord? record) =>
        record is null ? "-" : string.Join(' ', record.Leaves.Select(l => (l.Deleted ? "x" : "") + l.Rev.ToString()[..Math.Min(10, l.Rev.ToString().Length)]));

    public static string Short(Revision rev) => rev.IsEmpty ? "none" : rev.ToString()[..Math.Min(10, rev.ToString().Length)];

    internal static string BodyOf(JsonObject doc)
    {
        var copy = (JsonObject)doc.DeepClone();
        copy.Remove("id");
        copy.Remove("rev");
        return copy.ToJsonString();
    }
}
