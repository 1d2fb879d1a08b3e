using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.Chaos.Tests;

/// <summary>
/// Mirror processes on 127.0.0.1, each with its own store, keeping its ports and data directory across SIGKILL
/// and restart. Localhost clustering: mirror 0 is the primary and holds membership, so only the others may be
/// killed. ADO.NET clustering (a connection string given): membership lives in PostgreSQL, so any mirror may be.
/// <paramref name="options"/> are given to every mirror (e.g. <c>--replicas 3</c>).
/// </summary>
public sealed class ChaosCluster(int count, string? clusteringConnectionString = null, IReadOnlyList<string>? options = null) : IAsyncDisposable
{
    private readonly TempDirectory _data = new("mynosql-chaos-");
    private readonly List<(int Http, int Silo, int Gateway)> _slots = [.. Enumerable.Range(0, count).Select(_ => (FreePorts.Next(), FreePorts.Next(), FreePorts.Next()))];
    private readonly SiloProcess?[] _mirrors = new SiloProcess?[count];
    private readonly bool[] _up = new bool[count];
    private readonly string?[] _killedOutput = new string?[count];

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string Root => _data.Path;

    public int Count => _slots.Count;

    /// <summary>The mirrors chaos may kill: all with ADO.NET clustering, all but the primary with localhost clustering.</summary>
    public IReadOnlyList<int> Killable => clusteringConnectionString is null ? [.. Enumerable.Range(1, Count - 1)] : [.. Enumerable.Range(0, Count)];

    public string DataOf(int i) => Path.Combine(_data.Path, $"mirror-{i}");

    public string Url(int i) => $"http://127.0.0.1:{_slots[i].Http}";

    /// <summary>Mirrors the load may address now (not killed, or restarted and healthy).</summary>
    public bool IsUp(int i) => Volatile.Read(ref _up[i]);

    /// <summary>Starts mirror 0, then the others (all at once, or <paramref name="oneByOne"/>: five starting at once on
    /// two loaded cores can take minutes each).</summary>
    public async Task StartAsync(bool oneByOne = false)
    {
        await StartMirrorAsync(0);
        if (oneByOne)
        {
            for (int i = 1; i < Count; i++) await StartMirrorAsync(i);
        }
        else await Task.WhenAll(Enumerable.Range(1, Count - 1).Select(StartMirrorAsync).ToList());
        await WaitForMirrorsAsync(TimeSpan.FromSeconds(90));
    }

    public async Task StartMirrorAsync(int i)
    {
        var (http, silo, gateway) = _slots[i];
        string[] extra = clusteringConnectionString is not null
            ? ["--anti-entropy-seconds", "1", "--clustering", "adonet", "--connection-string", clusteringConnectionString, "--cluster-id", "chaos"]
            : i == 0
            ? ["--anti-entropy-seconds", "1"]
            : ["--anti-entropy-seconds", "1", "--primary", $"127.0.0.1:{_slots[0].Silo}"];
        _mirrors[i] = SiloProcess.Start(DataOf(i), http, silo, gateway, [.. extra, .. options ?? []]);
        await _mirrors[i]!.WaitHealthyAsync(Http, TimeSpan.FromSeconds(90));
        Volatile.Write(ref _up[i], true);
    }

    /// <summary>SIGKILL of mirror <paramref name="i"/> (marked down first, so the load stops addressing it).</summary>
    public async Task KillAsync(int i)
    {
        Volatile.Write(ref _up[i], false);
        var mirror = _mirrors[i]!;
        await mirror.KillAsync();
        _killedOutput[i] = mirror.Output;
        _mirrors[i] = null;
        await mirror.DisposeAsync();
    }

    /// <summary>Waits until every mirror's <c>/mirrors</c> lists all of them.</summary>
    public async Task WaitForMirrorsAsync(TimeSpan timeout)
    {
        await Poll.UntilAsync(async () =>
        {
            for (int i = 0; i < Count; i++)
            {
                using var doc = JsonDocument.Parse(await Http.GetStringAsync($"{Url(i)}/mirrors"));
                if (doc.RootElement.GetArrayLength() != Count) return false;
            }
            return true;
        }, timeout, $"every mirror to list {Count} mirrors");
    }

    /// <summary>Each mirror's own copy of <paramref name="db"/>: record count and digest (<c>GET /_mirror/local/{db}</c>).</summary>
    public async Task<List<(int Records, string Digest)>> LocalViewsAsync(string db)
    {
        var views = new List<(int, string)>();
        for (int i = 0; i < Count; i++)
        {
            var local = JsonNode.Parse(await Http.GetStringAsync($"{Url(i)}/_mirror/local/{db}"))!;
            views.Add(((int)local["records"]!, (string)local["digest"]!));
        }
        return views;
    }

    /// <summary>The output of mirror <paramref name="i"/>'s current process (of the last one killed, while it is down).</summary>
    public string Output(int i) => _mirrors[i]?.Output ?? _killedOutput[i] ?? "";

    public async ValueTask DisposeAsync()
    {
        for (int i = Count - 1; i >= 0; i--)
        {
            if (_mirrors[i] is { } m) await m.DisposeAsync();
        }
        Http.Dispose();
        _data.Dispose();
    }
}
