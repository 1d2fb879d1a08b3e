using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Grains;

namespace MyNoSql.Cluster.Tests.Grains;

[Collection(GrainClusterCollection.Name)]
public sealed class RecordGrainTests(GrainClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Cluster.GrainFactory;

    private static byte[] Body(string json) => Encoding.UTF8.GetBytes(json);

    private IRecordGrain Record(string id) => Grains.GetGrain<IRecordGrain>(RecordKey.For("grains", id));

    private IIndexSegmentGrain SegmentOf(string id) =>
        Grains.GetGrain<IIndexSegmentGrain>(RecordKey.Segment("grains", MyNoSql.Storage.Index.IndexSegment.SegmentOf(id)));

    [Fact]
    public async Task Save_read_update_delete_follow_the_savedoc_rules()
    {
        var grain = Record("crud-" + Guid.NewGuid().ToString("N"));
        Assert.Null(await grain.Read());

        var created = await grain.Save(null, Body("""{"n":1}"""));
        Assert.Equal(RecordStatus.Ok, created.Status);
        Assert.StartsWith("1-", created.Document!.Rev, StringComparison.Ordinal);
        var doc = JsonNode.Parse(created.Document.Json)!.AsObject();
        Assert.Equal(1, (int)doc["n"]!);
        Assert.Equal(created.Document.Rev, (string)doc["rev"]!);

        var stale = await grain.Save(null, Body("""{"n":2}"""));
        Assert.Equal(RecordStatus.Conflict, stale.Status);
        Assert.Equal(created.Document.Rev, stale.CurrentRev);

        var same = await grain.Save(created.Document.Rev, Body("""{"n":1}"""));
        Assert.Equal(created.Document.Rev, same.Document!.Rev);

        var updated = await grain.Save(created.Document.Rev, Body("""{"n":2}"""));
        Assert.StartsWith("2-", updated.Document!.Rev, StringComparison.Ordinal);
        var revision = await grain.GetRevision();
        Assert.Equal([created.Document.Rev], revision!.Ancestry);

        Assert.Equal(RecordStatus.Conflict, (await grain.Delete(created.Document.Rev)).Status);
        var deleted = await grain.Delete(updated.Document.Rev);
        Assert.Equal(RecordStatus.Ok, deleted.Status);
        Assert.StartsWith("3-", deleted.Rev, StringComparison.Ordinal);
        Assert.Null(await grain.Read());
        Assert.Equal(RecordStatus.NotFound, (await grain.Delete(deleted.Rev)).Status);
    }

    [Fact]
    public async Task A_save_is_on_a_write_quorum_when_acknowledged_and_on_every_silo_soon_after()
    {
        string id = "quorum-" + Guid.NewGuid().ToString("N");
        var saved = await Record(id).Save(null, Body("""{"v":"x"}"""));
        Assert.Equal(RecordStatus.Ok, saved.Status);
        var holders = await SilosHoldingAsync(id, saved.Document!.Rev);
        Assert.True(holders >= 2, $"only {holders} silos hold the acknowledged write");
        await Eventually(async () => await SilosHoldingAsync(id, saved.Document.Rev) == 3);
    }

    [Fact]
    public async Task A_failed_report_to_the_index_segment_is_sent_again_until_the_change_feed_has_the_record()
    {
        string id = "index-retry-" + Guid.NewGuid().ToString("N");
        var segment = SegmentOf(id);
        Assert.Null(await segment.Get(id)); // active before the save (an activation would rebuild from the stores)
        IndexFaults.FailNext(id, 2);
        var saved = await Record(id).Save(null, Body("""{"v":1}"""));
        Assert.Equal(RecordStatus.Ok, saved.Status);
        Assert.Equal(1, IndexFaults.Left(id)); // the save's own report failed
        // The grain sends it again (after 1 s, then 2 s): the second attempt fails too, the third lands. (The segment's
        // tail of the stores may list the record before that.)
        await Eventually(async () => IndexFaults.Left(id) == 0 && (await segment.Get(id))?.Rev == saved.Document!.Rev);
    }

    [Fact]
    public async Task A_record_whose_every_report_fails_still_reaches_its_index_segment_from_the_stores()
    {
        string id = "index-tail-" + Guid.NewGuid().ToString("N");
        var segment = SegmentOf(id);
        Assert.Null(await segment.Get(id)); // active before the save (an activation would rebuild from the stores)
        IndexFaults.FailNext(id, 1_000);
        var saved = await Record(id).Save(null, Body("""{"v":1}"""));
        Assert.Equal(RecordStatus.Ok, saved.Status);
        // No report lands (the grain's retries fail too): the segment tails the mirrors' store indexes (every anti-entropy
        // interval, 1 s here, for a while after a change; every 10 s otherwise) and takes the record from there.
        await Eventually(async () => (await segment.Get(id))?.Rev == saved.Document!.Rev, seconds: 30);
        Assert.True(IndexFaults.Left(id) > 990, $"{1_000 - IndexFaults.Left(id)} reports were refused, so none landed");
        var changes = await segment.ChangesSince(0, 0, 100_000);
        Assert.Contains(changes.Entries, e => e.Id == id && e.Rev == saved.Document!.Rev);
    }

    [Fact]
    public async Task A_delete_whose_every_report_fails_replaces_the_listed_winner_from_the_merged_copies()
    {
        string id = "index-tail-delete-" + Guid.NewGuid().ToString("N");
        var segment = SegmentOf(id);
        var saved = await Record(id).Save(null, Body("""{"v":1}"""));
        await Eventually(async () => (await segment.Get(id))?.Rev == saved.Document!.Rev);
        IndexFaults.FailNext(id, 1_000);
        var deleted = await Record(id).Delete(saved.Document!.Rev);
        Assert.Equal(RecordStatus.Ok, deleted.Status);
        // The stores list the tombstone, the segment the live revision: the tail merges the record's copies to decide.
        await Eventually(async () => await segment.Get(id) is { Deleted: true } entry && entry.Rev == deleted.Rev, seconds: 30);
        Assert.True(IndexFaults.Left(id) > 990);
    }

    [Fact]
    public async Task Replicated_revisions_merge_descendants_and_keep_concurrent_edits_as_conflicts()
    {
        var grain = Record("merge-" + Guid.NewGuid().ToString("N"));
        var first = await grain.Save(null, Body("""{"v":1}"""));
        var leaves = await grain.GetLeaves();
        var root = Assert.Single(leaves);

        // A peer edited offline twice: a descendant with its ancestry is accepted as the new winner.
        var child = Next(root, """{"v":"peer-1"}""");
        var grandchild = Next(child, """{"v":"peer-2"}""");
        Assert.Equal(MergeStatus.Accepted, await grain.Accept(grandchild));
        Assert.Equal(MergeStatus.AlreadyKnown, await grain.Accept(child));
        Assert.Equal(grandchild.Rev, (await grain.Read())!.Rev);

        // Another peer edited the first revision concurrently: kept as a conflict, readable until resolved.
        var rival = Next(root, """{"v":"rival"}""");
        Assert.Equal(MergeStatus.Conflict, await grain.Accept(rival));
        Assert.Equal(grandchild.Rev, (await grain.Read())!.Rev);
        var conflict = Assert.Single(await grain.GetConflicts());
        Assert.Equal(rival.Rev, conflict.Rev);

        Assert.Equal(RecordStatus.Ok, (await grain.Delete(rival.Rev)).Status);
        Assert.Empty(await grain.GetConflicts());
        Assert.NotEqual(first.Document!.Rev, (await grain.Read())!.Rev);
    }

    [Fact]
    public async Task A_revision_replicated_underneath_an_active_grain_is_never_overwritten_by_its_next_save()
    {
        string id = "under-" + Guid.NewGuid().ToString("N");
        var grain = Record(id);
        var first = await grain.Save(null, Body("""{"v":1}"""));
        var second = await grain.Save(first.Document!.Rev, Body("""{"v":2}"""));

        // A concurrent creation made elsewhere reaches every silo's store directly (as replication does),
        // behind the back of the active grain and its cached state.
        var rival = Next(null, """{"v":"rival"}""");
        foreach (var silo in fixture.Cluster.GetActiveSilos())
            await MirrorServiceOf(silo.SiloAddress).Apply("grains", id, rival);

        var third = await grain.Save(second.Document!.Rev, Body("""{"v":3}"""));
        Assert.Equal(RecordStatus.Ok, third.Status);
        Assert.StartsWith("3-", third.Document!.Rev, StringComparison.Ordinal);
        var conflict = Assert.Single(await grain.GetConflicts());
        Assert.Equal(rival.Rev, conflict.Rev);
        await Eventually(async () => await SilosHoldingAsync(id, rival.Rev) == 3 && await SilosHoldingAsync(id, third.Document.Rev) == 3);
    }

    [Fact]
    public async Task Malformed_replicated_revisions_are_rejected()
    {
        var grain = Record("bad-" + Guid.NewGuid().ToString("N"));
        Assert.Equal(MergeStatus.Invalid, await grain.Accept(new ReplicatedRevision("nope", false, [], Body("{}"))));
        Assert.Equal(MergeStatus.Invalid, await grain.Accept(new ReplicatedRevision("1-" + new string('a', 32), false, [], Body("{}"))));
        Assert.Equal(MergeStatus.Invalid, await grain.Accept(new ReplicatedRevision("1-" + new string('a', 32), false, [], Body("[1]"))));
        Assert.Null(await grain.Read());
    }

    [Fact]
    public async Task Anti_entropy_spreads_a_revision_that_only_one_silo_holds()
    {
        string id = "ae-" + Guid.NewGuid().ToString("N");
        var leaf = Next(null, """{"only":"one silo"}""");
        var silos = fixture.Cluster.GetActiveSilos().Select(s => s.SiloAddress).ToList();
        var service = MirrorServiceOf(silos[^1]);
        Assert.Equal(MergeStatus.Accepted, await service.Apply("grains", id, leaf));
        await Eventually(async () => await SilosHoldingAsync(id, leaf.Rev) == 3);
        Assert.Equal(leaf.Rev, (await Record(id).Read())!.Rev);
    }

    [Fact]
    public async Task Anti_entropy_repairs_a_conflict_loser_that_only_one_silo_holds()
    {
        string id = "ae-loser-" + Guid.NewGuid().ToString("N");
        var root = Next(null, """{"v":0}""");
        var winner = Next(Next(root, """{"v":1}"""), """{"v":2}""");
        Assert.Equal(MergeStatus.Accepted, await Record(id).Accept(root));
        Assert.Equal(MergeStatus.Accepted, await Record(id).Accept(winner));
        await Eventually(async () => await SilosHoldingAsync(id, winner.Rev) == 3);

        // A concurrent, losing edit reaches one silo's store only (its replication was lost): the winner is the same
        // everywhere, so only the leaf fingerprints in the index tell the silos apart.
        var loser = Next(root, """{"v":"offline"}""");
        var silos = fixture.Cluster.GetActiveSilos().Select(s => s.SiloAddress).ToList();
        Assert.Equal(MergeStatus.Conflict, await MirrorServiceOf(silos[^1]).Apply("grains", id, loser));
        await Eventually(async () => await SilosHoldingAsync(id, loser.Rev) == 3);
        Assert.Equal(winner.Rev, (await Record(id).Read())!.Rev);
    }

    [Fact]
    public async Task Index_segments_list_live_ids_in_order_across_segments()
    {
        string db = "list" + Guid.NewGuid().ToString("N")[..8];
        var ids = Enumerable.Range(0, 40).Select(i => $"/pets/{i:D3}").Append("/other/x").ToList();
        foreach (var id in ids)
            Assert.Equal(RecordStatus.Ok, (await Grains.GetGrain<IRecordGrain>(RecordKey.For(db, id)).Save(null, Body("{}"))).Status);
        var gone = await Grains.GetGrain<IRecordGrain>(RecordKey.For(db, "/pets/005")).GetRevision();
        await Grains.GetGrain<IRecordGrain>(RecordKey.For(db, "/pets/005")).Delete(gone!.Rev);

        var listed = new List<string>();
        for (int s = 0; s < MyNoSql.Storage.Sync.SyncCheckpoint.Segments; s++)
            listed.AddRange((await Grains.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(db, s)).ListIds("/pets/", null, 1000)).Ids);
        listed.Sort(StringComparer.Ordinal);
        var expected = ids.Where(i => i.StartsWith("/pets/", StringComparison.Ordinal) && i != "/pets/005").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, listed);

        SegmentDigest digest = null!;
        int segment = 0;
        for (; segment < MyNoSql.Storage.Sync.SyncCheckpoint.Segments; segment++)
        {
            digest = await Grains.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(db, segment)).GetDigest();
            if (digest.Count > 0) break;
        }
        var changes = await Grains.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(db, segment)).ChangesSince(digest.Epoch, digest.Sequence, 10);
        Assert.Empty(changes.Entries);
        var all = await Grains.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(db, segment)).ChangesSince(-1, digest.Sequence, 10_000);
        Assert.Equal(digest.Count, all.Entries.Length);
    }

    [Fact]
    public async Task Every_silo_tells_its_advertised_url()
    {
        var mirrors = fixture.Cluster.GetActiveSilos().Select(s => s.SiloAddress).ToList();
        var infos = await Task.WhenAll(mirrors.Select(s => MirrorServiceOf(s).GetInfo()));
        Assert.Equal(3, infos.Select(i => i.Url).Distinct().Count());
        Assert.All(infos, i => Assert.StartsWith("http://", i.Url, StringComparison.Ordinal));
    }

    private IMirrorService MirrorServiceOf(SiloAddress silo)
    {
        var primary = fixture.Cluster.Primary as Orleans.TestingHost.InProcessSiloHandle
            ?? throw new InvalidOperationException("in-process silos expected");
        var access = (IMirrorLocalAccess)primary.ServiceProvider.GetService(typeof(IMirrorLocalAccess))!;
        return access.For(silo);
    }

    private async Task<int> SilosHoldingAsync(string id, string rev)
    {
        int count = 0;
        foreach (var silo in fixture.Cluster.GetActiveSilos())
        {
            var leaves = await MirrorServiceOf(silo.SiloAddress).GetLeaves("grains", id);
            if (leaves.Any(l => l.Rev == rev)) count++;
        }
        return count;
    }

    private static ReplicatedRevision Next(ReplicatedRevision? parent, string json)
    {
        var body = Body(json);
        var parentRev = parent is null ? default : MyNoSql.Storage.Documents.Revision.Parse(parent.Rev);
        var rev = MyNoSql.Storage.Documents.Revision.Next(parentRev, false, body);
        string[] ancestry = parent is null ? [] : [parent.Rev, .. parent.Ancestry];
        return new ReplicatedRevision(rev.ToString(), false, ancestry, body);
    }

    internal static async Task Eventually(Func<Task<bool>> condition, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"condition not met within {seconds} s");
            await Task.Delay(200);
        }
    }
}
