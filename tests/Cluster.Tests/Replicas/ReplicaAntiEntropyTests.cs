using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MyNoSql.Cluster.Tests.Grains;
using MyNoSql.Cluster.Tests.Support;
using MyNoSql.Grains;
using MyNoSql.Grains.Mirror;
using MyNoSql.Grains.Placement;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Documents;
using Orleans.TestingHost;

namespace MyNoSql.Cluster.Tests.Replicas;

/// <summary>
/// Five in-process silos with <c>--replicas 3</c> and the anti-entropy loop off (the passes counted are the test's own):
/// once every copy is in place an anti-entropy pass compares per replica set and walks no segment (it used to walk all 64
/// of every database with every other mirror, as whole-segment digests of different subsets never match); a stale holder
/// is still repaired, from one segment per other holder that lacks the revision, and no copy goes to a mirror outside the set; and the
/// cluster's database list (<c>GET /dbs</c>) includes a database this mirror holds nothing of; and until every mirror settled the
/// current view, a record grain reads every mirror (a copy only a non-holder has is found), afterwards a read quorum of holders.
/// </summary>
public sealed class ReplicaAntiEntropyTests : IAsyncLifetime
{
    private const string Db = "ae";
    private readonly TempDirectory _data = new("mynosql-replica-ae-");
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(5);
        builder.Properties["MyNoSqlDataRoot"] = _data.Path;
        builder.Options.ConfigureFileLogging = false;
        builder.AddSiloBuilderConfigurator<Configurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        await RecordGrainTests.Eventually(() => Task.FromResult(Silos.All(s => Worker<ReplicaSets>(s) is { Active: true, Current.Count: 5 })), 120);
    }

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        _data.Dispose();
    }

    private List<SiloHandle> Silos => [.. _cluster.GetActiveSilos()];

    [Fact]
    public async Task A_settled_cluster_walks_no_segment_a_stale_holder_is_repaired_within_its_set_every_database_is_listed_and_an_unsettled_one_reads_every_mirror()
    {
        for (int i = 0; i < 120; i++) Assert.Equal(RecordStatus.Ok, (await Record($"r{i}").Save(null, Body($$"""{"i":{{i}}}"""))).Status);
        // Background replication reaches the third holder of each record; then a pass moves nothing.
        await RecordGrainTests.Eventually(async () => await PassAsync() == 0, 60);

        var walked = Silos.Sum(s => Worker<AntiEntropyWorker>(s).SegmentsWalked);
        Assert.Equal(0, await PassAsync());
        Assert.Equal(0, Silos.Sum(s => Worker<AntiEntropyWorker>(s).SegmentsWalked) - walked);

        // One holder alone learns a newer revision (as if the others missed its replication).
        const string id = "r7";
        var sets = Worker<ReplicaSets>(Silos[0]);
        var holders = sets.Holders(Db, id);
        var stale = Silos.First(s => s.SiloAddress.Equals(holders[0]));
        var parent = (await Record(id).GetLeaves())[0];
        var body = Body("""{"i":"newer"}""");
        var rev = Revision.Next(Revision.Parse(parent.Rev), false, body).ToString();
        Assert.Equal(MergeStatus.Accepted, await Worker<IMirrorServiceClient>(stale).For(stale.SiloAddress)
            .Apply(Db, id, new ReplicatedRevision(rev, false, [parent.Rev], body)));

        var before = Worker<AntiEntropyWorker>(stale).SegmentsWalked;
        // Pushed to the first other holder it compares with, and to the record's grain, which replicates the revision to the
        // holders; so the second other holder may already have it when its turn comes (then its digests agree too).
        Assert.InRange(await Worker<AntiEntropyWorker>(stale).RunOnceAsync(CancellationToken.None), 1, 2);
        Assert.InRange(Worker<AntiEntropyWorker>(stale).SegmentsWalked - before, 1, 2); // one segment with other holders, none with the rest
        foreach (var silo in Silos)
        {
            var copy = await Worker<MirrorStoreHost>(silo).Current!.ReadRecordAsync(Db, id, CancellationToken.None);
            if (holders.Contains(silo.SiloAddress)) Assert.Equal(rev, copy!.Winner.Rev.ToString());
            else Assert.Null(copy);
        }
        Assert.Equal(0, await PassAsync());
        Assert.Equal(rev, (await Record(id).GetRevision())!.Rev);

        // The cluster's database list (GET /dbs) includes a database this mirror holds nothing of.
        Assert.Equal(RecordStatus.Ok, (await _cluster.GrainFactory.GetGrain<IRecordGrain>(RecordKey.For("solo", "one")).Save(null, Body("{}"))).Status);
        var soloHolders = Worker<ReplicaSets>(Silos[0]).Holders("solo", "one");
        await RecordGrainTests.Eventually(() => Task.FromResult(Silos.Where(s => soloHolders.Contains(s.SiloAddress))
            .All(s => Worker<MirrorStoreHost>(s).Current!.Index.Holds("solo"))), 60);
        foreach (var silo in Silos)
        {
            // Two of the five hold nothing of it: their own copy does not list it, the cluster's list does.
            Assert.Equal(soloHolders.Contains(silo.SiloAddress), Worker<MirrorStoreHost>(silo).Current!.Index.Databases().Contains("solo"));
            var listed = await ClusterDatabases.ListAsync(((InProcessSiloHandle)silo).ServiceProvider, (e, _) => throw e, CancellationToken.None);
            Assert.NotNull(listed);
            Assert.True(listed.Value.Complete);
            Assert.Contains("solo", listed.Value.Databases);
        }

        // Until every mirror settled the current view, a new holder may lack a record it holds by placement: a record's grain
        // then reads every mirror, not a read quorum of the holders. Both records below exist only on a non-holder (as on
        // an old holder that has not sent them yet).
        await RecordGrainTests.Eventually(() => Task.FromResult(Silos.All(s => Worker<ReplicaSets>(s).Stable)), 60);
        var (quorumId, everyId) = ("orphan-1", "orphan-2");
        foreach (var orphan in new[] { quorumId, everyId })
        {
            var outside = Silos.First(s => !sets.Holders(Db, orphan).Contains(s.SiloAddress));
            var orphanBody = Body("""{"orphan":true}""");
            Assert.Equal(MergeStatus.Accepted, await Worker<IMirrorServiceClient>(outside).For(outside.SiloAddress)
                .Apply(Db, orphan, new ReplicatedRevision(Revision.Next(default, false, orphanBody).ToString(), false, [], orphanBody)));
        }
        var aHolder = Silos.First(s => s.SiloAddress.Equals(sets.Holders(Db, quorumId)[0]));
        // Settled: a read quorum of the holders, which have nothing (unless the non-holder's stray sweep sent it meanwhile).
        var heard = await Worker<Replicator>(aHolder).ReadOthersAsync(Db, quorumId);
        bool swept = false;
        foreach (var holder in Silos.Where(s => sets.Holders(Db, quorumId).Contains(s.SiloAddress)))
            swept |= await Worker<MirrorStoreHost>(holder).Current!.ReadRecordAsync(Db, quorumId, CancellationToken.None) is not null;
        Assert.True(swept || heard.All(leaves => leaves.Length == 0), "a settled cluster's read asked a mirror outside the record's set");
        foreach (var silo in Silos) Worker<ReplicaSets>(silo).Settling = true;
        try
        {
            Assert.False(Worker<ReplicaSets>(Silos[0]).Stable);
            var read = await Record(everyId).Read();
            Assert.NotNull(read);
            Assert.Contains("orphan", Encoding.UTF8.GetString(read.Json), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var silo in Silos) Worker<ReplicaSets>(silo).Settling = false;
        }
    }

    private async Task<int> PassAsync()
    {
        int pushed = 0;
        foreach (var silo in Silos) pushed += await Worker<AntiEntropyWorker>(silo).RunOnceAsync(CancellationToken.None);
        return pushed;
    }

    private static T Worker<T>(SiloHandle silo) where T : notnull =>
        ((InProcessSiloHandle)silo).ServiceProvider.GetRequiredService<T>();

    private IRecordGrain Record(string id) => _cluster.GrainFactory.GetGrain<IRecordGrain>(RecordKey.For(Db, id));

    private static byte[] Body(string json) => Encoding.UTF8.GetBytes(json);

    /// <summary>Lzma-shards store per silo, three replicas per record, the anti-entropy loop off.</summary>
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
                o.Replicas = 3;
                o.AdvertisedUrl = $"http://{name.ToLowerInvariant()}.test:8800";
            });
        }
    }
}
