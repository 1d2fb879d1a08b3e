using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Index;

namespace MyNoSql.Storage.Tests.Index;

public class IndexSegmentTests
{
    private static Revision R(int gen, int n) => new(gen, (ulong)n, (ulong)n * 7);

    [Fact]
    public void Changes_since_a_sequence_list_only_later_changes_once_each()
    {
        var s = new IndexSegment();
        Assert.True(s.Apply("a", R(1, 1), false));
        Assert.True(s.Apply("b", R(1, 2), false));
        long checkpoint = s.Sequence;
        Assert.True(s.Apply("a", R(2, 3), false));
        Assert.False(s.Apply("a", R(2, 3), false));
        Assert.True(s.Apply("c", R(1, 4), true));
        var changes = s.ChangesSince(checkpoint, 100);
        Assert.Equal(["a", "c"], changes.Select(c => c.Id));
        Assert.Empty(s.ChangesSince(s.Sequence, 100));
        Assert.Single(s.ChangesSince(0, 1));
    }

    [Fact]
    public void Digest_is_independent_of_order_and_detects_differences()
    {
        var entries = Enumerable.Range(0, 200).Select(i => ($"id{i}", R(1 + i % 3, i), i % 7 == 0)).ToList();
        var x = new IndexSegment();
        var y = new IndexSegment();
        foreach (var (id, rev, del) in entries) x.Apply(id, rev, del);
        foreach (var (id, rev, del) in Enumerable.Reverse(entries)) { y.Apply(id, R(9, 9), false); y.Apply(id, rev, del); }
        Assert.Equal(x.Digest, y.Digest);
        y.Apply("id5", R(4, 99), false);
        Assert.NotEqual(x.Digest, y.Digest);
    }

    [Fact]
    public void A_new_conflict_fingerprint_moves_the_sequence_and_the_digest_even_when_the_winner_stays()
    {
        var s = new IndexSegment();
        s.Apply("a", R(2, 1), false);
        long before = s.Sequence;
        string digest = s.Digest;
        Assert.True(s.Apply("a", R(2, 1), false, conflicts: "00112233aabbccdd"));
        Assert.Equal("00112233aabbccdd", s.ChangesSince(before, 10).Single().Conflicts);
        Assert.NotEqual(digest, s.Digest);
        Assert.False(s.Apply("a", R(2, 1), false, conflicts: "00112233aabbccdd"));
        Assert.True(s.Apply("a", R(2, 1), false)); // resolved: the loser was deleted
        Assert.Equal(digest, s.Digest);
    }

    [Fact]
    public void Removing_a_purged_tombstone_takes_it_out_of_the_feed_and_the_digest_without_moving_the_sequence()
    {
        var with = new IndexSegment();
        var without = new IndexSegment();
        with.Apply("keep", R(1, 1), false);
        without.Apply("keep", R(1, 1), false);
        with.Apply("gone", R(2, 2), true);
        long sequence = with.Sequence;
        Assert.True(with.Remove("gone"));
        Assert.False(with.Remove("gone"));
        Assert.Equal(sequence, with.Sequence);
        Assert.Equal(["keep"], with.ChangesSince(0, 10).Select(e => e.Id));
        Assert.Equal(without.Digest, with.Digest);
        Assert.False(with.TryGet("gone", out _));
    }

    [Fact]
    public void Segment_of_is_stable_and_spread()
    {
        Assert.Equal(IndexSegment.SegmentOf("/Comedy/MontyPython"), IndexSegment.SegmentOf("/Comedy/MontyPython"));
        var used = Enumerable.Range(0, 5000).Select(i => IndexSegment.SegmentOf($"sensor-{i}")).Distinct().Count();
        Assert.Equal(IndexSegment.Count, used);
        Assert.InRange(IndexSegment.SegmentOf(new string('é', 600)), 0, IndexSegment.Count - 1);
    }
}
