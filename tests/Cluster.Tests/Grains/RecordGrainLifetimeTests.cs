using System.Text;
using MyNoSql.Grains;
using MyNoSql.Grains.Records;
using MyNoSql.Grains.Storage;

namespace MyNoSql.Cluster.Tests.Grains;

/// <summary>
/// How long idle record grains stay active (RecordGrain.Lifetime.cs): a record written once is collected after
/// <see cref="RecordGrain.Idle"/>, one written again by the same activation stays <see cref="RecordGrain.RewrittenIdle"/>,
/// and a collected record comes back with everything it held.
/// </summary>
[Collection(GrainClusterCollection.Name)]
public sealed class RecordGrainLifetimeTests(GrainClusterFixture fixture)
{
    private static readonly GrainType RecordType = GrainType.Create(MirrorKeys.RecordGrainType);

    private IRecordGrain Record(string id) => fixture.Cluster.GrainFactory.GetGrain<IRecordGrain>(RecordKey.For("lifetime", id));

    private async Task<bool> IsActiveAsync(string id)
    {
        var management = fixture.Cluster.Client.GetGrain<IManagementGrain>(0);
        var active = await management.GetActiveGrains(RecordType);
        return active.Contains(GrainId.Create(RecordType, RecordKey.For("lifetime", id)));
    }

    private static byte[] Body(string json) => Encoding.UTF8.GetBytes(json);

    [Fact]
    public async Task A_record_written_once_is_collected_after_its_idle_time_and_comes_back_whole()
    {
        string once = "once-" + Guid.NewGuid().ToString("N"), twice = "twice-" + Guid.NewGuid().ToString("N");
        var saved = await Record(once).Save(null, Body("""{"reading":1}"""));
        Assert.Equal(RecordStatus.Ok, saved.Status);
        var first = await Record(twice).Save(null, Body("""{"score":1}"""));
        var second = await Record(twice).Save(first.Document!.Rev, Body("""{"score":2}"""));
        Assert.Equal(RecordStatus.Ok, second.Status);
        Assert.True(await IsActiveAsync(once));
        var written = DateTime.UtcNow;

        // No forced collection: the silos' own collector, with the configured idle time and collection period.
        var idle = TimeSpan.Parse(RecordGrain.Idle, System.Globalization.CultureInfo.InvariantCulture);
        await RecordGrainTests.Eventually(async () => !await IsActiveAsync(once), seconds: (int)(idle + 3 * RecordGrain.CollectionQuantum).TotalSeconds + 20);
        Assert.True(DateTime.UtcNow - written >= idle - TimeSpan.FromSeconds(1), "collected before its idle time");
        Assert.True(await IsActiveAsync(twice), "a record written twice was collected after the write-once idle time");

        // A new activation reads the stores again: nothing of the record is lost.
        var read = await Record(once).Read();
        Assert.Equal(saved.Document!.Rev, read!.Rev);
        Assert.True(await IsActiveAsync(once));
    }

    [Fact]
    public async Task Collecting_idle_activations_spares_a_record_written_more_than_once()
    {
        string once = "force-once-" + Guid.NewGuid().ToString("N"), twice = "force-twice-" + Guid.NewGuid().ToString("N");
        Assert.Equal(RecordStatus.Ok, (await Record(once).Save(null, Body("""{"a":1}"""))).Status);
        var first = await Record(twice).Save(null, Body("""{"b":1}"""));
        var second = await Record(twice).Save(first.Document!.Rev, Body("""{"b":2}"""));
        Assert.Equal(RecordStatus.Ok, second.Status);

        var management = fixture.Cluster.Client.GetGrain<IManagementGrain>(0);
        await RecordGrainTests.Eventually(async () =>
        {
            await management.ForceActivationCollection(TimeSpan.FromMilliseconds(200));
            return !await IsActiveAsync(once);
        });
        Assert.True(await IsActiveAsync(twice), "the keep-alive of a rewritten record did not hold");
        Assert.Equal(second.Document!.Rev, (await Record(twice).Read())!.Rev);
    }
}
