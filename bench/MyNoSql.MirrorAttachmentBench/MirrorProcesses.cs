using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using MyNoSql.ClusterBench;

namespace MyNoSql.MirrorAttachmentBench;

/// <summary>N real <c>src/Silo</c> processes on 127.0.0.1 (localhost clustering), with their resident sets readable.</summary>
internal sealed class MirrorProcesses : IAsyncDisposable
{
    private readonly List<Process> _processes = [];

    private MirrorProcesses(string root) => Root = root;

    public string Root { get; }

    public List<string> Urls { get; } = [];

    public static async Task<MirrorProcesses> StartAsync(string siloDll, int count, string root, params string[] extra)
    {
        var cluster = new MirrorProcesses(root);
        int http = 19900 + Random.Shared.Next(0, 40) * 10, silo = http + 3000, gateway = http + 6000;
        string clusterId = "attbench-" + Guid.NewGuid().ToString("N")[..8];
        for (int i = 0; i < count; i++)
        {
            string data = Path.Combine(root, $"mirror{i}");
            Directory.CreateDirectory(data);
            var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "exec", siloDll, "--data", data, "--http-port", $"{http + i}", "--silo-port", $"{silo + i}",
                         "--gateway-port", $"{gateway + i}", "--cluster-id", clusterId })
                psi.ArgumentList.Add(a);
            foreach (var a in extra) psi.ArgumentList.Add(a);
            if (i > 0)
            {
                psi.ArgumentList.Add("--primary");
                psi.ArgumentList.Add($"127.0.0.1:{silo}");
            }
            var p = Process.Start(psi)!;
            p.OutputDataReceived += (_, _) => { };
            p.ErrorDataReceived += (_, _) => { };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            cluster._processes.Add(p);
            cluster.Urls.Add($"http://127.0.0.1:{http + i}");
            if (i == 0) await MirrorListing.WaitAsync(cluster.Urls[0], 1, TimeSpan.FromSeconds(120));
        }
        foreach (var url in cluster.Urls) await MirrorListing.WaitAsync(url, count, TimeSpan.FromSeconds(120));
        return cluster;
    }

    /// <summary>Resident set of mirror <paramref name="i"/> now (VmRSS), in bytes.</summary>
    public long Rss(int i)
    {
        foreach (string line in File.ReadLines($"/proc/{_processes[i].Id}/status"))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
        {
            if (!p.HasExited) Process.Start("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
        }
        foreach (var p in _processes)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try { await p.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { p.Kill(true); }
            p.Dispose();
        }
    }
}
