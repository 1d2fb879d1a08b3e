using System.Text;
using MyNoSql.Cluster.Tests.Support;
using MyNoSql.Grains;
using Orleans.TestingHost;

namespace MyNoSql.Cluster.Tests.Grains;

/// <summary>
/// A silo dies (killed, no clean shutdown): records whose grains lived there come back on another silo with every
/// acknowledged revision, because each write was durable on a quorum of per-silo stores before it was acknowledged.
/// Own cluster: killing a silo must not disturb the shared one.
/// </summary>
public sealed class FailoverTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new("mynosql-failover-");
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(3);
        builder.Properties["MyNoSqlDataRoot"] = _data.Path;
        builder.Options.ConfigureFileLogging = false;
        builder.AddSiloBuilderConfigurator<GrainClusterFixture.SiloConfigurator>();
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
    public async Task Acknowledged_writes_survive_the_death_of_the_silo_that_held_their_grains()
    {
        var revs = new Dictionary<string, string>();
        for (int i = 0; i < 30; i++)
        {
            string id = $"f{i}";
            var first = await Record(id).Save(null, Encoding.UTF8.GetBytes($$"""{"i":{{i}}}"""));
            var second = await Record(id).Save(first.Document!.Rev, Encoding.UTF8.GetBytes($$"""{"i":{{i}},"v":2}"""));
            Assert.Equal(RecordStatus.Ok, second.Status);
            revs[id] = second.Document!.Rev;
        }

        await _cluster.KillSiloAsync(_cluster.SecondarySilos[0]);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (var (id, rev) in revs)
        {
            while (true)
            {
                try
                {
                    var read = await Record(id).Read();
                    Assert.NotNull(read);
                    Assert.Equal(rev, read.Rev);
                    break;
                }
                catch (Exception e) when (e is not Xunit.Sdk.XunitException && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(500);
                }
            }
        }

        // The survivors keep accepting writes (a majority of the active silos is still there).
        var again = await Record("f0").Save(revs["f0"], Encoding.UTF8.GetBytes("""{"after":"failover"}"""));
        Assert.Equal(RecordStatus.Ok, again.Status);
    }

    private IRecordGrain Record(string id) => _cluster.GrainFactory.GetGrain<IRecordGrain>(RecordKey.For("failover", id));
}
