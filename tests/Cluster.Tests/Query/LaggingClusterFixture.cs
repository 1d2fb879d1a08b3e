using Microsoft.Extensions.DependencyInjection;
using MyNoSql.Grains;
using MyNoSql.Grains.Mirror;
using Orleans.TestingHost;

namespace MyNoSql.Cluster.Tests.Query;

/// <summary>
/// An in-process TestCluster of three silos, each with its own store, whose replication to chosen silos can be held
/// (<see cref="LaggingMirrors"/>); anti-entropy is off so a held silo really lags.
/// </summary>
public sealed class LaggingClusterFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("mynosql-lagging-");

    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(3);
        builder.Properties["MyNoSqlDataRoot"] = _data.Path;
        builder.Options.ConfigureFileLogging = false;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var gate in LaggingMirrors.Held.Values) gate.TrySetResult();
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        _data.Dispose();
    }

    /// <summary>Every silo gets the mirror grains, its own store and the holdable replication client.</summary>
    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            string root = siloBuilder.Configuration["MyNoSqlDataRoot"]!;
            string name = siloBuilder.Configuration["Orleans:Name"]!;
            siloBuilder.Services.AddSingleton<IMirrorServiceClient, LaggingMirrors>();
            siloBuilder.AddLzmaShardGrainStorage(LzmaShardStorageExtensions.DefaultName, o => o.Directory = Path.Combine(root, name, "mirror"));
            siloBuilder.AddMyNoSqlMirror(o =>
            {
                o.AntiEntropyInterval = TimeSpan.Zero;
                o.AdvertisedUrl = $"http://{name.ToLowerInvariant()}.test:8800";
            });
        }
    }
}

[CollectionDefinition(Name)]
public sealed class LaggingClusterCollection : ICollectionFixture<LaggingClusterFixture>
{
    public const string Name = "three silos with holdable replication";
}
