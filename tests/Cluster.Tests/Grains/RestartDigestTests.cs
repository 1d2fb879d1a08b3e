using MyNoSql.Storage.Sync;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MyNoSql.Cluster.Tests.Support;
using MyNoSql.Grains;
using MyNoSql.Grains.Mirror;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Documents;
using Orleans.TestingHost;

namespace MyNoSql.Cluster.Tests.Grains;

/// <summary>
/// Mirrors holding conflicts (live losers, and losing branches resolved by deletion) are restarted: each rebuilds
/// its local index from the store's directory, which must know which records keep other leaves, so every silo's
/// segment digests still agree and an anti-entropy pass moves nothing. Own cluster with the anti-entropy loop off,
/// so the passes counted are the test's own.
/// </summary>
public sealed class RestartDigestTests : IAsyncLifetime
{
    private const string Database = "restart";
    private readonly TempDirectory _data = new("mynosql-restart-");
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(3);
        builder.Properties["MyNoSqlDataRoot"] = _data.Path;
        builder.Options.ConfigureFileLogging = false;
        builder.AddSiloBuilderConfigurator<Configurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task After_a_restart_of_mirrors_holding_conflicts_digests_agree_and_anti_entropy_moves_nothing()
    {
        for (int i = 0; i < 10; i++) Assert.Equal(RecordStatus.Ok, (await Record($"plain{i}").Save(null, Body($$"""{"i":{{i}}}"""))).Status);
        for (int i = 0; i < 4; i++)
        {
            await MakeConflictAsync($"live{i}");
            var resolved = Record($"resolved{i}");
            await MakeConflictAsync($"resolved{i}");
            var loser = Assert.Single(await resolved.GetConflicts());
            Assert.Equal(RecordStatus.Ok, (await resolved.Delete(loser.Rev)).Status);
            Assert.Empty(await resolved.GetConflicts());
            Assert.Equal(2, (await resolved.GetLeaves()).Length); // the winner and the deleted losing branch
        }

        // Background replication reaches every silo; then the copies agree and a pass moves nothing.
        await RecordGrainTests.Eventually(async () => DigestsAgree() && await RepairPassAsync() == 0, 60);
        var before = Digests(_cluster.Primary!);

        foreach (var silo in _cluster.SecondarySilos.ToList()) await _cluster.RestartSiloAsync(silo);
        await RecordGrainTests.Eventually(() => Task.FromResult(_cluster.GetActiveSilos().All(s => Worker<Replicator>(s).OtherActiveSilos().Length == 2)), 60);

        // Rebuilt from disk, every restarted silo's index has the same leaves fingerprints as the silo that kept running.
        foreach (var silo in _cluster.GetActiveSilos())
        {
            Assert.Equal(before, Digests(silo));
            var entries = Enumerable.Range(0, SyncCheckpoint.Segments).SelectMany(s => Worker<MirrorStoreHost>(silo).Current!.Index.Entries(Database, s)).ToList();
            Assert.Equal(18, entries.Count);
            Assert.All(entries.Where(e => !e.Id.StartsWith("plain", StringComparison.Ordinal)), e => Assert.NotNull(e.Conflicts));
        }
        foreach (var silo in _cluster.GetActiveSilos())
            Assert.Equal(0, await Worker<AntiEntropyWorker>(silo).RunOnceAsync(CancellationToken.None));
    }

    /// <summary>A record with two leaves of generation 2: one saved through the grain, one replicated from elsewhere.</summary>
    private async Task MakeConflictAsync(string id)
    {
        var grain = Record(id);
        var created = await grain.Save(null, Body("""{"v":1}"""));
        var parent = Assert.Single(await grain.GetLeaves());
        Assert.Equal(created.Document!.Rev, parent.Rev);
        Assert.Equal(RecordStatus.Ok, (await grain.Save(parent.Rev, Body("""{"v":"here"}"""))).Status);
        var elsewhere = Body("""{"v":"elsewhere"}""");
        var rev = Revision.Next(Revision.Parse(parent.Rev), false, elsewhere);
        Assert.Equal(MergeStatus.Conflict, await grain.Accept(new ReplicatedRevision(rev.ToString(), false, [parent.Rev], elsewhere)));
    }

    private async Task<int> RepairPassAsync()
    {
        int pushed = 0;
        foreach (var silo in _cluster.GetActiveSilos()) pushed += await Worker<AntiEntropyWorker>(silo).RunOnceAsync(CancellationToken.None);
        return pushed;
    }

    private bool DigestsAgree()
    {
        var silos = _cluster.GetActiveSilos().ToList();
        var first = Digests(silos[0]);
        return first.Length > 0 && silos.All(s => Digests(s) == first);
    }

    private static string Digests(SiloHandle silo) =>
        string.Join(",", Worker<MirrorStoreHost>(silo).Current!.Index.Digests(Database).Select(d => $"{d.Count}:{d.Digest}"));

    private static T Worker<T>(SiloHandle silo) where T : notnull =>
        ((InProcessSiloHandle)silo).ServiceProvider.GetRequiredService<T>();

    private IRecordGrain Record(string id) => _cluster.GrainFactory.GetGrain<IRecordGrain>(RecordKey.For(Database, id));

    private static byte[] Body(string json) => Encoding.UTF8.GetBytes(json);

    /// <summary>The shared cluster's silo setup with the anti-entropy loop off.</summary>
    public sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            string root = siloBuilder.Configuration["MyNoSqlDataRoot"]!;
            string name = siloBuilder.Configuration["Orleans:Name"]!;
            siloBuilder.AddLzmaShardGrainStorage(LzmaShardStorageExtensions.DefaultName, o => o.Directory = Path.Combine(root, name));
            siloBuilder.AddMyNoSqlMirror(o =>
            {
                o.AntiEntropyInterval = TimeSpan.Zero;
                o.AdvertisedUrl = $"http://{name.ToLowerInvariant()}.test:8800";
            });
        }
    }
}
