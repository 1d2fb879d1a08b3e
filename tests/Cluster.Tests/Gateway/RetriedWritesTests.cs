using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MyNoSql.Cluster.Tests.Grains;
using MyNoSql.Grains;
using MyNoSql.Silo.Configuration;
using MyNoSql.Silo.Gateway;

namespace MyNoSql.Cluster.Tests.Gateway;

/// <summary>
/// The gateway retries a save or delete whose grain call failed as unavailable (a mirror died). Whether the failed
/// attempt was applied or not, the client gets one success with the revision its write produced, never a 409 for its
/// own write, and the record holds that revision once. Real grains on the shared TestCluster; the failure is injected.
/// </summary>
[Collection(GrainClusterCollection.Name)]
public sealed class RetriedWritesTests(GrainClusterFixture fixture)
{
    private static byte[] Body(string json) => Encoding.UTF8.GetBytes(json);

    private IRecordGrain Record(string id) => fixture.Cluster.GrainFactory.GetGrain<IRecordGrain>(RecordKey.For("retries", id));

    private static DefaultHttpContext Request(double retrySeconds = 10)
    {
        var services = new ServiceCollection().AddLogging().Configure<MirrorOptions>(o => o.UnavailableRetrySeconds = retrySeconds);
        return new DefaultHttpContext { RequestServices = services.BuildServiceProvider() };
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_create_and_an_update_whose_answers_were_lost_succeed_once_with_their_own_revision(bool applied)
    {
        string id = $"save-{applied}-{Guid.NewGuid():N}";
        var created = await RetriedWrites.SaveAsync(Request(), new LosingRecordGrain(Record(id), applied), null, Body("""{"n":1}"""));
        Assert.Equal(RecordStatus.Ok, created.Status);
        var leaves = await Record(id).GetLeaves();
        Assert.Equal(created.Document!.Rev, Assert.Single(leaves).Rev);

        var grain = new LosingRecordGrain(Record(id), applied);
        var updated = await RetriedWrites.SaveAsync(Request(), grain, created.Document.Rev, Body("""{"n":2}"""));
        Assert.Equal(RecordStatus.Ok, updated.Status);
        Assert.Equal(2, grain.Writes);
        Assert.StartsWith("2-", updated.Document!.Rev, StringComparison.Ordinal);
        var winner = await Record(id).GetRevision();
        Assert.Equal(updated.Document.Rev, winner!.Rev);
        Assert.Equal([created.Document.Rev], winner.Ancestry);
        Assert.Contains("\"n\":2", Encoding.UTF8.GetString(updated.Document.Json), StringComparison.Ordinal);
        Assert.Single(await Record(id).GetLeaves());
    }

    [Fact]
    public async Task A_retried_save_still_conflicts_when_the_record_holds_someone_elses_edit()
    {
        string id = "other-" + Guid.NewGuid().ToString("N");
        var created = await Record(id).Save(null, Body("""{"n":1}"""));
        var theirs = await Record(id).Save(created.Document!.Rev, Body("""{"n":"theirs"}"""));
        // Our attempt was never applied; the retry sees a record that moved on without it.
        var ours = await RetriedWrites.SaveAsync(Request(), new LosingRecordGrain(Record(id), applyBeforeFailing: false), created.Document.Rev, Body("""{"n":"ours"}"""));
        Assert.Equal(RecordStatus.Conflict, ours.Status);
        Assert.Equal(theirs.Document!.Rev, ours.CurrentRev);
        Assert.Equal(theirs.Document.Rev, (await Record(id).GetRevision())!.Rev);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_delete_whose_answer_was_lost_succeeds_once_with_its_tombstone(bool applied)
    {
        string id = $"delete-{applied}-{Guid.NewGuid():N}";
        var created = await Record(id).Save(null, Body("""{"n":1}"""));
        var deleted = await RetriedWrites.DeleteAsync(Request(), new LosingRecordGrain(Record(id), applied), created.Document!.Rev);
        Assert.Equal(RecordStatus.Ok, deleted.Status);
        Assert.StartsWith("2-", deleted.Rev, StringComparison.Ordinal);
        var winner = await Record(id).GetRevision();
        Assert.True(winner!.Deleted);
        Assert.Equal(deleted.Rev, winner.Rev);
        Assert.Null(await Record(id).Read());
    }

    [Fact]
    public async Task A_call_that_stays_unavailable_fails_as_unavailable_once_the_retry_time_is_up()
    {
        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<SiloUnavailableException>(() => ClusterCall.RetryAsync<int>(Request(retrySeconds: 1),
            () => throw new SiloUnavailableException("still down (injected by the test)")));
        Assert.Contains("injected", error.Message, StringComparison.Ordinal);
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 0.5, 30);
    }
}
