namespace MyNoSql.Cluster.Tests.Support;

/// <summary>
/// Three real mirrors (<c>src/Silo</c> processes) on 127.0.0.1 with distinct ports forming one cluster: the second
/// and third are given <c>--primary 127.0.0.1:&lt;first silo port&gt;</c> (localhost clustering), or all share a
/// PostgreSQL database (ADO.NET clustering).
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private readonly TempDirectory _data = new("mynosql-mirrors-");
    private readonly string[] _extra;
    private readonly bool _adoNet;

    public ProcessCluster(int count, bool adoNet, params string[] extra)
    {
        _adoNet = adoNet;
        _extra = extra;
        for (int i = 0; i < count; i++)
            Slots.Add((FreePorts.Next(), FreePorts.Next(), FreePorts.Next(), Path.Combine(_data.Path, $"mirror-{i}")));
        Mirrors.AddRange(Enumerable.Repeat<SiloProcess>(null!, count));
    }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public List<SiloProcess> Mirrors { get; } = [];

    public List<(int Http, int Silo, int Gateway, string Data)> Slots { get; } = [];

    /// <summary>Options given to one mirror only (by index), after the shared ones: e.g. <c>--read-only</c> on the second.</summary>
    public Dictionary<int, string[]> MirrorExtra { get; } = [];

    public IEnumerable<string> Urls => Slots.Select(s => $"http://127.0.0.1:{s.Http}");

    /// <summary>Starts every mirror; when a port picked as free was taken meanwhile, picks new ports and retries.</summary>
    public async Task StartAsync()
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await StartAllAsync();
                return;
            }
            catch (Exception e) when (attempt < 3 && IsPortClash(e))
            {
                for (int i = Mirrors.Count - 1; i >= 0; i--)
                {
                    if (Mirrors[i] is not null) await Mirrors[i].DisposeAsync();
                    Mirrors[i] = null!;
                    var (_, _, _, data) = Slots[i];
                    Slots[i] = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next(), data);
                }
            }
        }
    }

    private static bool IsPortClash(Exception e) =>
        e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase) ||
        e.Message.Contains("Failed to bind", StringComparison.OrdinalIgnoreCase);

    private async Task StartAllAsync()
    {
        StartMirror(0);
        await Mirrors[0].WaitHealthyAsync(Http, TimeSpan.FromSeconds(90));
        for (int i = 1; i < Slots.Count; i++) StartMirror(i);
        for (int i = 1; i < Slots.Count; i++) await Mirrors[i].WaitHealthyAsync(Http, TimeSpan.FromSeconds(90));
        await WaitForMirrorsAsync(Slots.Count, TimeSpan.FromSeconds(60));
    }

    /// <summary>(Re)starts mirror <paramref name="i"/> with its own ports and data directory.</summary>
    public SiloProcess StartMirror(int i)
    {
        var (http, silo, gateway, data) = Slots[i];
        var extra = new List<string>(_extra);
        if (!_adoNet && i > 0) extra.AddRange(["--primary", $"127.0.0.1:{Slots[0].Silo}"]);
        if (MirrorExtra.TryGetValue(i, out var own)) extra.AddRange(own);
        Mirrors[i] = SiloProcess.Start(data, http, silo, gateway, [.. extra]);
        return Mirrors[i];
    }

    /// <summary>Waits until every mirror's <c>/mirrors</c> lists <paramref name="count"/> URLs.</summary>
    public async Task WaitForMirrorsAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            bool all = true;
            foreach (var m in Mirrors.Where(m => m is { HasExited: false }))
            {
                last = await Http.GetStringAsync($"{m.BaseUrl}/mirrors");
                if (System.Text.Json.JsonDocument.Parse(last).RootElement.GetArrayLength() != count) all = false;
            }
            if (all) return;
            await Task.Delay(300);
        }
        throw new TimeoutException($"/mirrors did not list {count} mirrors within {timeout}; last: {last}\n{string.Join("\n---\n", Mirrors.Select(m => m?.Output))}");
    }

    public async ValueTask DisposeAsync()
    {
        // Joiners first, the primary last (it holds localhost membership).
        for (int i = Mirrors.Count - 1; i >= 0; i--)
        {
            if (Mirrors[i] is not null) await Mirrors[i].DisposeAsync();
        }
        Http.Dispose();
        _data.Dispose();
    }
}
