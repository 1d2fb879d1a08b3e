using System.Diagnostics;
using System.Net.Http.Json;

namespace MyNoSql.ClusterBench;

/// <summary>N real <c>src/Silo</c> processes on 127.0.0.1 with distinct ports, as DESIGN §5 describes.</summary>
internal sealed class SiloCluster : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly List<TextWriter> _logs = [];

    /// <summary>Where each mirror's console output goes (null: discarded).</summary>
    public static string? LogDirectory { get; set; }

    /// <summary>Environment variables every mirror process of the clusters started from now on gets.</summary>
    public static Dictionary<string, string> Environment { get; } = [];
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mynosql-clusterbench-" + Guid.NewGuid().ToString("N")[..8]);

    // All below Linux's ephemeral range (32768–60999): a gateway port inside it (41000+ before) could be taken by any outgoing
    // connection, e.g. the previous configuration's clients, and a mirror then failed to start ("Address already in use").
    public const int HttpBase = 19800, SiloBase = 22111, GatewayBase = 24100;

    public IReadOnlyList<string> Urls { get; private set; } = [];
    public IReadOnlyList<int> GatewayPorts { get; private set; } = [];
    public IReadOnlyList<string> DataDirs { get; private set; } = [];
    public string ClusterId { get; } = "bench-" + Guid.NewGuid().ToString("N")[..8];

    public static async Task<SiloCluster> StartAsync(string siloDll, int count, params string[] extra)
    {
        var cluster = new SiloCluster();
        try
        {
            await StartProcessesAsync(cluster, siloDll, count, extra);
            return cluster;
        }
        catch
        {
            // A cluster that did not form must not leave its mirrors running (they hold the ports the next one needs).
            await cluster.DisposeAsync();
            throw;
        }
    }

    private static async Task StartProcessesAsync(SiloCluster cluster, string siloDll, int count, string[] extra)
    {
        var urls = new List<string>();
        var dirs = new List<string>();
        for (int i = 0; i < count; i++)
        {
            string data = Path.Combine(cluster._root, $"mirror{i}");
            Directory.CreateDirectory(data);
            var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "exec", siloDll, "--data", data, "--http-port", $"{HttpBase + i}", "--silo-port", $"{SiloBase + i}",
                         "--gateway-port", $"{GatewayBase + i}", "--cluster-id", cluster.ClusterId })
                psi.ArgumentList.Add(a);
            if (i > 0) { psi.ArgumentList.Add("--primary"); psi.ArgumentList.Add($"127.0.0.1:{SiloBase}"); }
            foreach (var (name, value) in Environment) psi.Environment[name] = value;
            foreach (var a in extra) psi.ArgumentList.Add(a);
            var p = Process.Start(psi)!;
            // --silo-logs DIR: each mirror's console output to DIR/<cluster id>-mirror<i>.log (diagnosis; off by default).
            var log = LogDirectory is { } logs ? TextWriter.Synchronized(new StreamWriter(Path.Combine(logs, $"{cluster.ClusterId}-mirror{i}.log")) { AutoFlush = true }) : null;
            if (log is not null) cluster._logs.Add(log);
            p.OutputDataReceived += (_, e) => { if (e.Data is not null) log?.WriteLine(e.Data); };
            p.ErrorDataReceived += (_, e) => { if (e.Data is not null) log?.WriteLine(e.Data); };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            cluster._processes.Add(p);
            urls.Add($"http://127.0.0.1:{HttpBase + i}");
            dirs.Add(data);
            // The primary first: the others join it.
            if (i == 0) await MirrorListing.WaitAsync(urls[0], 1, TimeSpan.FromSeconds(240));
        }
        cluster.Urls = urls;
        cluster.DataDirs = dirs;
        cluster.GatewayPorts = Enumerable.Range(0, count).Select(i => GatewayBase + i).ToList();
        foreach (var url in urls) await MirrorListing.WaitAsync(url, count, TimeSpan.FromSeconds(240));
        // With --replicas, measure the settled cluster (every mirror's rebalancer settled the view): until then every record
        // activation reads all mirrors (src/Grains/Placement/README.md), which is the start-up cost, not the steady state.
        foreach (var url in urls) await MirrorListing.WaitStableAsync(url, TimeSpan.FromSeconds(120));
    }

    /// <summary>CPU time (user + system) the silo processes have used so far, summed: per operation it is the figure the
    /// machine's load from other work does not inflate as much as latency or throughput.</summary>
    public TimeSpan CpuTime()
    {
        var total = TimeSpan.Zero;
        foreach (var p in _processes)
        {
            p.Refresh();
            if (!p.HasExited) total += p.TotalProcessorTime;
        }
        return total;
    }

    public long BytesOnDisk(int mirror) =>
        new DirectoryInfo(DataDirs[mirror]).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    /// <summary>SIGTERM every silo (a clean stop seals the logs), then report bytes per mirror.</summary>
    public async Task<long[]> StopAsync()
    {
        foreach (var p in _processes) if (!p.HasExited) Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        foreach (var p in _processes)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            try { await p.WaitForExitAsync(cts.Token); } catch (OperationCanceledException) { p.Kill(true); }
        }
        return Enumerable.Range(0, DataDirs.Count).Select(BytesOnDisk).ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
        {
            try { if (!p.HasExited) p.Kill(true); await p.WaitForExitAsync(); } catch (InvalidOperationException) { }
            p.Dispose();
        }
        foreach (var log in _logs) await log.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
