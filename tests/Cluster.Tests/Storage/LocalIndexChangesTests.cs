using System.Text;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Index;

namespace MyNoSql.Cluster.Tests.Storage;

/// <summary>
/// <see cref="LocalIndex.ChangesSince"/>: the tail an index segment grain reads of each mirror's own store index. Pages in
/// sequence order, an empty reply once caught up, only what changed after a position, and a new epoch (so a reader starts
/// from 0) when the database is dropped and created again.
/// </summary>
public sealed class LocalIndexChangesTests
{
    private const string Db = "tail";

    private static Revision Rev(string id, int version) => Revision.Next(default, false, Encoding.UTF8.GetBytes($"{id}:{version}"));

    /// <summary>Ids of one segment: the tail is per segment.</summary>
    private static List<string> IdsOfSegment(int segment, int count) =>
        [.. Enumerable.Range(0, 100_000).Select(i => $"doc-{i}").Where(id => IndexSegment.SegmentOf(id) == segment).Take(count)];

    [Fact]
    public void A_reader_pages_through_a_segment_then_sees_only_what_changed_after_its_position()
    {
        var index = new LocalIndex();
        var ids = IdsOfSegment(5, 5);
        foreach (var id in ids) index.Apply(Db, id, Rev(id, 1), false, null);

        var first = index.ChangesSince(Db, 5, 0, 0, 2);
        Assert.NotEqual(0, first.Epoch);
        Assert.True(first.HasMore);
        Assert.Equal(ids[..2], first.Entries.Select(e => e.Id));
        var rest = index.ChangesSince(Db, 5, first.Epoch, first.Sequence, 10);
        Assert.False(rest.HasMore);
        Assert.Equal(ids[2..], rest.Entries.Select(e => e.Id));

        var caughtUp = index.ChangesSince(Db, 5, rest.Epoch, rest.Sequence, 10);
        Assert.Empty(caughtUp.Entries);
        Assert.Equal((rest.Epoch, rest.Sequence), (caughtUp.Epoch, caughtUp.Sequence));

        index.Apply(Db, ids[1], Rev(ids[1], 2), true, null);
        var next = index.ChangesSince(Db, 5, rest.Epoch, rest.Sequence, 10);
        var changed = Assert.Single(next.Entries);
        Assert.Equal((ids[1], Rev(ids[1], 2).ToString(), true), (changed.Id, changed.Rev, changed.Deleted));

        // A position from another sequence space (another store, an older opening) means nothing here: from 0.
        Assert.Equal(5, index.ChangesSince(Db, 5, first.Epoch + 1, next.Sequence, 10).Entries.Length);
        Assert.Empty(index.ChangesSince(Db, 6, first.Epoch, 0, 10).Entries);
    }

    [Fact]
    public void A_database_dropped_and_created_again_gets_a_new_epoch_so_no_reader_skips_its_new_records()
    {
        var index = new LocalIndex();
        var ids = IdsOfSegment(9, 3);
        foreach (var id in ids) index.Apply(Db, id, Rev(id, 1), false, null);
        var before = index.ChangesSince(Db, 9, 0, 0, 10);

        index.Remove(Db);
        var gone = index.ChangesSince(Db, 9, before.Epoch, before.Sequence, 10);
        Assert.Empty(gone.Entries);
        Assert.Equal(0, gone.Epoch);
        index.Apply(Db, ids[0], Rev(ids[0], 7), false, null);

        // Its sequence (1) is below the old position (3): only the new epoch keeps the reader from skipping it.
        var after = index.ChangesSince(Db, 9, before.Epoch, before.Sequence, 10);
        Assert.NotEqual(before.Epoch, after.Epoch);
        Assert.Equal(ids[0], Assert.Single(after.Entries).Id);
    }
}
