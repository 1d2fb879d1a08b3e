using MyNoSql.Storage.Sync;
using System.Text;
using MyNoSql.Grains;
using MyNoSql.Storage.Documents;
using Orleans.TestingHost;

namespace MyNoSql.Cluster.Tests.Grains;

/// <summary>
/// Rules that live in one place, checked on a real three-silo cluster: record grains validate what they store
/// whoever calls them, index segments choose winners by the records' rule, and segments stay alive only while
/// they hold entries.
/// </summary>
[Collection(GrainClusterCollection.Name)]
public sealed class ConsolidatedRulesTests(GrainClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Cluster.GrainFactory;

    private static byte[] Body(string json) => Encoding.UTF8.GetBytes(json);

    private static string NewDatabase(string prefix) => prefix + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task A_trusted_client_cannot_store_a_body_that_is_not_a_valid_json_object()
    {
        var grain = Grains.GetGrain<IRecordGrain>(RecordKey.For("grains", "invalid-" + Guid.NewGuid().ToString("N")));
        byte[][] bad =
        [
            Body("[1,2]"),
            Body("\"text\""),
            [.. Body("{\"a\":\""), 0xFF, 0xFE, .. Body("\"}")],
            Body(new string('[', 300) + new string(']', 300)),
            Body("{" + string.Concat(Enumerable.Repeat("\"a\":{", 300)) + "}" + new string('}', 300)),
            Body("{\"a\":1,\"a\":2}"),
            Body("{\"id\":\"other\",\"v\":1}"),
            Body("{\"a\":"),
            [],
        ];
        foreach (var body in bad)
        {
            var reply = await grain.Save(null, body);
            Assert.Equal(RecordStatus.Invalid, reply.Status);
            Assert.False(string.IsNullOrWhiteSpace(reply.Reason));
            Assert.Null(reply.Document);
        }
        Assert.Null(await grain.Read());
        Assert.Empty(await grain.GetLeaves());

        var good = await grain.Save(null, Body("{\"v\":1}"));
        Assert.Equal(RecordStatus.Ok, good.Status);
        Assert.Null(good.Reason);
        // An invalid update of a stored record leaves it as it was.
        Assert.Equal(RecordStatus.Invalid, (await grain.Save(good.Document!.Rev, Body("[]"))).Status);
        Assert.Equal(good.Document.Rev, (await grain.Read())!.Rev);
    }

    [Fact]
    public async Task A_segment_rebuilt_from_silos_that_disagree_names_the_winner_a_merged_record_has()
    {
        // Several databases: each segment activates on some silo (one holding a copy or not) and hears the silos in some
        // order; a CI run once met the order in which a tombstone, taken first, was replaced by the older live revision.
        for (int round = 0; round < 4; round++) await SegmentNamesTheMergedWinnerAsync(NewDatabase("win"));
    }

    private async Task SegmentNamesTheMergedWinnerAsync(string db)
    {
        var silos = fixture.Cluster.GetActiveSilos().Select(s => s.SiloAddress).ToList();
        // "contested": silo 0 holds a live creation; silo 1 holds only a concurrent branch that was deleted
        // (generation 2). Plain revision order picked the tombstone; the records' rule picks the live leaf.
        var live = Leaf(null, deleted: false, "{\"side\":\"live\"}");
        var concurrentTombstone = Leaf(Leaf(null, deleted: false, "{\"side\":\"other\"}"), deleted: true, null);
        Assert.Equal(MergeStatus.Accepted, await MirrorServiceOf(silos[0]).Apply(db, "contested", live));
        Assert.Equal(MergeStatus.Accepted, await MirrorServiceOf(silos[1]).Apply(db, "contested", concurrentTombstone));
        // "deleted": silo 1 saw the delete of the revision silo 0 still serves; the delete replaced it.
        var doomed = Leaf(null, deleted: false, "{\"v\":\"doomed\"}");
        var delete = Leaf(doomed, deleted: true, null);
        Assert.Equal(MergeStatus.Accepted, await MirrorServiceOf(silos[0]).Apply(db, "deleted", doomed));
        Assert.Equal(MergeStatus.Accepted, await MirrorServiceOf(silos[1]).Apply(db, "deleted", doomed));
        Assert.Equal(MergeStatus.Accepted, await MirrorServiceOf(silos[1]).Apply(db, "deleted", delete));

        // The segments of this new database activate now and merge every silo's entries.
        var contested = await FindEntryAsync(db, "contested");
        Assert.False(contested.Deleted);
        Assert.Equal(live.Rev, contested.Rev);
        var deleted = await FindEntryAsync(db, "deleted");
        Assert.True(deleted.Deleted);
        Assert.Equal(delete.Rev, deleted.Rev);
        // Once anti-entropy has spread every leaf (these writes skipped the quorum), the record grains agree.
        await RecordGrainTests.Eventually(async () =>
            (await Grains.GetGrain<IRecordGrain>(RecordKey.For(db, "contested")).Read())?.Rev == live.Rev
            && await Grains.GetGrain<IRecordGrain>(RecordKey.For(db, "deleted")).Read() is null);
    }

    private async Task<IndexEntryInfo> FindEntryAsync(string db, string id)
    {
        for (int s = 0; s < SyncCheckpoint.Segments; s++)
        {
            var entry = await Grains.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(db, s)).Get(id);
            if (entry is not null) return entry;
        }
        throw new Xunit.Sdk.XunitException($"no segment of {db} lists {id}");
    }

    [Fact]
    public async Task Segments_of_a_database_that_holds_nothing_are_collected_while_segments_holding_records_stay()
    {
        string held = NewDatabase("held");
        Assert.Equal(RecordStatus.Ok, (await Grains.GetGrain<IRecordGrain>(RecordKey.For(held, "r")).Save(null, Body("{}"))).Status);
        IIndexSegmentGrain? holding = null;
        SegmentDigest? before = null;
        for (int s = 0; s < SyncCheckpoint.Segments && holding is null; s++)
        {
            var segment = Grains.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(held, s));
            var digest = await segment.GetDigest();
            if (digest.Count > 0) (holding, before) = (segment, digest);
        }
        Assert.NotNull(holding);

        // Any valid name may be asked for; its segment must not stay pinned in memory.
        var empty = Grains.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(NewDatabase("nothing"), 7));
        long firstEpoch = (await empty.GetDigest()).Epoch;
        var management = fixture.Cluster.Client.GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await management.ForceActivationCollection(TimeSpan.FromMilliseconds(100));
            // A new activation draws a new epoch: the empty segment was collected.
            if ((await empty.GetDigest()).Epoch != firstEpoch) break;
            if (DateTime.UtcNow > deadline) Assert.Fail("the segment of an empty database was never collected");
            await Task.Delay(200);
        }

        // The same collections spared the segment that holds a record: same activation, same epoch and sequence.
        var after = await holding.GetDigest();
        Assert.Equal(before!.Epoch, after.Epoch);
        Assert.Equal(before.Sequence, after.Sequence);
        Assert.Equal(1, after.Count);
    }

    [Fact]
    public async Task Segment_epochs_use_64_bits()
    {
        string db = NewDatabase("epoch");
        var epochs = new List<long>();
        for (int s = 0; s < SyncCheckpoint.Segments; s++) epochs.Add((await Grains.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(db, s)).GetDigest()).Epoch);
        Assert.All(epochs, e => Assert.True(e > 0));
        // 64 draws below 2^31 would have one chance in 2^64: the epochs are no longer 31-bit.
        Assert.Contains(epochs, e => e > int.MaxValue);
    }

    private static ReplicatedRevision Leaf(ReplicatedRevision? parent, bool deleted, string? json)
    {
        var body = json is null ? [] : Body(json);
        var parentRev = parent is null ? default : Revision.Parse(parent.Rev);
        var rev = Revision.Next(parentRev, deleted, body);
        string[] ancestry = parent is null ? [] : [parent.Rev, .. parent.Ancestry];
        return new ReplicatedRevision(rev.ToString(), deleted, ancestry, body);
    }

    private IMirrorService MirrorServiceOf(SiloAddress silo)
    {
        var primary = fixture.Cluster.Primary as InProcessSiloHandle
            ?? throw new InvalidOperationException("in-process silos expected");
        var access = (IMirrorLocalAccess)primary.ServiceProvider.GetService(typeof(IMirrorLocalAccess))!;
        return access.For(silo);
    }
}
