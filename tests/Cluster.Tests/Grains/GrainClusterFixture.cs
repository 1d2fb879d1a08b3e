using MyNoSql.Cluster.Tests.Support;
using MyNoSql.Grains;
using Orleans.TestingHost;

namespace MyNoSql.Cluster.Tests.Grains;

/// <summary>One in-process TestCluster of three silos, each with its own lzma-shards store directory.</summary>
public sealed class GrainClusterFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("mynosql-testcluster-");

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
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        _data.Dispose();
    }

    /// <summary>Every silo of the cluster gets the mirror grains and its own store.</summary>
    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            string root = siloBuilder.Configuration["MyNoSqlDataRoot"]!;
            string name = siloBuilder.Configuration["Orleans:Name"]!;
            siloBuilder.AddLzmaShardGrainStorage(LzmaShardStorageExtensions.DefaultName, o => o.Directory = Path.Combine(root, name));
            siloBuilder.AddIncomingGrainCallFilter(IndexFaults.Filter);
            siloBuilder.AddMyNoSqlMirror(o =>
            {
                o.AntiEntropyInterval = TimeSpan.FromSeconds(1);
                o.AdvertisedUrl = $"http://{name.ToLowerInvariant()}.test:8800";
            });
        }
    }
}

[CollectionDefinition(Name)]
public sealed class GrainClusterCollection : ICollectionFixture<GrainClusterFixture>
{
    public const string Name = "grain cluster";
}
