using System.Text.Json;

namespace MyNoSql.Sync.Tests.Support;

/// <summary>Three real mirrors on 127.0.0.1 forming one cluster (localhost clustering: mirror 0 is the primary).</summary>
public sealed class ThreeMirrorsFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("mynosql-sync-cluster-");

    public List<SiloProcess> Mirrors { get; } = [];

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public async Task InitializeAsync()
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await StartAllAsync();
                return;
            }
            catch (Exception) when (attempt < 3)
            {
                await StopAllAsync(); // a port picked as free was taken meanwhile: fresh ports
            }
        }
    }

    private async Task StartAllAsync()
    {
        var primary = SiloProcess.Start(Path.Combine(_data.Path, $"m0-{Guid.NewGuid():N}"), FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        Mirrors.Add(primary);
        await primary.WaitHealthyAsync(Http, TimeSpan.FromSeconds(90));
        for (int i = 1; i < 3; i++)
            Mirrors.Add(SiloProcess.Start(Path.Combine(_data.Path, $"m{i}-{Guid.NewGuid():N}"), FreePorts.Next(), FreePorts.Next(), FreePorts.Next(),
                "--primary", $"127.0.0.1:{primary.SiloPort}"));
        for (int i = 1; i < 3; i++) await Mirrors[i].WaitHealthyAsync(Http, TimeSpan.FromSeconds(90));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            bool all = true;
            foreach (var m in Mirrors)
            {
                using var doc = JsonDocument.Parse(await Http.GetStringAsync($"{m.BaseUrl}/mirrors"));
                if (doc.RootElement.GetArrayLength() != 3) all = false;
            }
            if (all) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("/mirrors did not list 3 mirrors in time");
            await Task.Delay(300);
        }
    }

    private async Task StopAllAsync()
    {
        for (int i = Mirrors.Count - 1; i >= 0; i--) await Mirrors[i].DisposeAsync();
        Mirrors.Clear();
    }

    public async Task DisposeAsync()
    {
        await StopAllAsync(); // joiners first, the primary last
        Http.Dispose();
        _data.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ThreeMirrorsCollection : ICollectionFixture<ThreeMirrorsFixture>
{
    public const string Name = "three mirrors";
}
