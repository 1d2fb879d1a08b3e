using System.Text;
using CsCheck;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Tests.Documents;

/// <summary>
/// Laws of <see cref="DocumentRules"/> checked with CsCheck over random revision histories: merging leaves is
/// commutative, associative and idempotent (every replica that receives the same leaves, in any order and any
/// number of times, stores the same record), the winner follows one rule, and revision ids are deterministic.
/// </summary>
public sealed class DocumentRulesPropertyTests
{
    private const int Iterations = 400;

    /// <summary>One edit of a history: which earlier revision it edits, whether it deletes, which content.</summary>
    private readonly record struct Edit(int Parent, bool Deleted, int Content);

    /// <summary>A history (root first, every edit on an earlier revision) and which of its revisions arrive, with repeats.</summary>
    private static readonly Gen<(Edit[] Edits, int[] Arrivals, int Seed)> Histories = Gen.Select(
        Gen.Select(Gen.Int[0, 1000], Gen.Int[0, 4], Gen.Int[0, 3], (p, d, c) => new Edit(p, d == 0, c)).Array[0, 14],
        Gen.Int[0, 1000].Array[1, 24],
        Gen.Int);

    private static readonly Gen<string> Text = Gen.Char["abcxyz019"].Array[0, 8].Select(c => new string(c));

    private static RevisionLeaf[] Build(Edit[] edits)
    {
        var nodes = new RevisionLeaf[edits.Length + 1];
        nodes[0] = RevisionLeaf.Child(null, deleted: false, Body(0));
        for (int i = 0; i < edits.Length; i++)
        {
            var e = edits[i];
            // Few distinct contents on purpose: two replicas making the same edit must produce the same revision.
            nodes[i + 1] = RevisionLeaf.Child(nodes[e.Parent % (i + 1)], e.Deleted, e.Deleted ? ReadOnlyMemory<byte>.Empty : Body(e.Content));
        }
        return nodes;
    }

    private static byte[] Body(int content) => Encoding.UTF8.GetBytes($"{{\"v\":{content}}}");

    private static DocumentRecord? Apply(DocumentRecord? record, IEnumerable<RevisionLeaf> leaves)
    {
        foreach (var leaf in leaves) record = DocumentRules.Merge(record, "x", leaf).Record;
        return record;
    }

    /// <summary>Merging a whole record into another, as anti-entropy and read repair do.</summary>
    private static DocumentRecord? Join(DocumentRecord? a, DocumentRecord? b) => b is null ? a : Apply(a, b.Leaves);

    /// <summary>Every leaf in stored order (winner first) with its tombstone flag: equal exactly when two records are the same.</summary>
    private static string Shape(DocumentRecord? record) =>
        record is null ? "" : string.Join(",", record.Leaves.Select(l => (l.Deleted ? "d" : "") + l.Rev));

    private static RevisionLeaf[] Arrived(RevisionLeaf[] nodes, int[] arrivals) => [.. arrivals.Select(a => nodes[a % nodes.Length])];

    private static T[] Shuffled<T>(T[] items, int seed)
    {
        var copy = items.ToArray();
        new Random(seed).Shuffle(copy);
        return copy;
    }

    [Fact]
    public void Merge_is_commutative_any_arrival_order_gives_the_same_record()
    {
        Histories.Sample((edits, arrivals, seed) =>
        {
            var leaves = Arrived(Build(edits), arrivals);
            Assert.Equal(Shape(Apply(null, leaves)), Shape(Apply(null, Shuffled(leaves, seed))));
            Assert.Equal(Shape(Apply(null, leaves)), Shape(Apply(null, leaves.Reverse())));
        }, iter: Iterations);
    }

    [Fact]
    public void Merge_is_associative_records_joined_in_any_grouping_agree()
    {
        Histories.Sample((edits, arrivals, seed) =>
        {
            var leaves = Shuffled(Arrived(Build(edits), arrivals), seed);
            int third = leaves.Length / 3;
            var a = Apply(null, leaves[..third]);
            var b = Apply(null, leaves[third..(2 * third)]);
            var c = Apply(null, leaves[(2 * third)..]);
            Assert.Equal(Shape(Join(Join(a, b), c)), Shape(Join(a, Join(b, c))));
            Assert.Equal(Shape(Join(a, b)), Shape(Join(b, a)));
        }, iter: Iterations);
    }

    [Fact]
    public void Merge_is_idempotent_repeating_leaves_or_records_changes_nothing()
    {
        Histories.Sample((edits, arrivals, _) =>
        {
            var leaves = Arrived(Build(edits), arrivals);
            var once = Apply(null, leaves)!;
            Assert.Equal(Shape(once), Shape(Apply(once, leaves)));
            Assert.Equal(Shape(once), Shape(Join(once, once)));
            Assert.All(once.Leaves, l => Assert.Equal(MergeResult.AlreadyKnown, DocumentRules.Merge(once, "x", l).Result));
        }, iter: Iterations);
    }

    [Fact]
    public void The_stored_leaves_are_exactly_the_arrived_revisions_no_other_arrival_descends_from()
    {
        Histories.Sample((edits, arrivals, _) =>
        {
            var leaves = Arrived(Build(edits), arrivals);
            var record = Apply(null, leaves)!;
            var expected = leaves.DistinctBy(l => l.Rev)
                .Where(l => !leaves.Any(o => o.Rev != l.Rev && o.Knows(l.Rev)))
                .Select(l => l.Rev).Order();
            Assert.Equal(expected, record.Leaves.Select(l => l.Rev).Order());
        }, iter: Iterations);
    }

    [Fact]
    public void The_winner_is_deterministic_live_over_deleted_then_generation_then_hash()
    {
        Histories.Sample((edits, arrivals, seed) =>
        {
            var leaves = Arrived(Build(edits), arrivals);
            var record = Apply(null, leaves)!;
            foreach (var other in record.Leaves.Skip(1))
                Assert.True(DocumentRules.Wins(record.Winner.Deleted, record.Winner.Rev, other.Deleted, other.Rev));
            if (record.Leaves.Any(l => !l.Deleted)) Assert.False(record.Winner.Deleted);
            // The same leaves in any order make the same stored order, so every replica serves the same winner.
            Assert.Equal(Shape(record), Shape(DocumentRecord.Create("x", Shuffled([.. record.Leaves], seed))));
        }, iter: Iterations);
    }

    [Fact]
    public void Winner_comparison_is_a_total_order()
    {
        var revisions = Gen.Select(Gen.Bool, Gen.Int[1, 4], Gen.Int[0, 3], Gen.Long, (d, g, hi, lo) => (Deleted: d, Rev: new Revision(g, (ulong)hi, (ulong)lo)));
        Gen.Select(revisions, revisions, revisions).Sample((a, b, c) =>
        {
            int ab = DocumentRules.CompareWinners(a.Deleted, a.Rev, b.Deleted, b.Rev);
            Assert.Equal(-Math.Sign(ab), Math.Sign(DocumentRules.CompareWinners(b.Deleted, b.Rev, a.Deleted, a.Rev)));
            Assert.Equal(ab == 0, a == b);
            if (ab > 0 && DocumentRules.Wins(b.Deleted, b.Rev, c.Deleted, c.Rev))
                Assert.True(DocumentRules.Wins(a.Deleted, a.Rev, c.Deleted, c.Rev));
            if (a.Deleted != b.Deleted) Assert.Equal(!a.Deleted, ab > 0);
        }, iter: Iterations);
    }

    [Fact]
    public void Revision_ids_are_deterministic_and_derive_from_parent_and_content()
    {
        var gen = Gen.Select(Gen.Int[0, 5], Gen.Bool, Text, Text);
        gen.Sample((depth, deleted, x, y) =>
        {
            RevisionLeaf? parent = null;
            for (int i = 0; i < depth; i++) parent = RevisionLeaf.Child(parent, false, Encoding.UTF8.GetBytes($"{{\"d\":{i}}}"));
            var bx = deleted ? [] : Encoding.UTF8.GetBytes($"{{\"s\":\"{x}\"}}");
            var by = deleted ? [] : Encoding.UTF8.GetBytes($"{{\"s\":\"{y}\"}}");
            var one = RevisionLeaf.Child(parent, deleted, bx);
            var two = RevisionLeaf.Child(parent, deleted, bx);
            Assert.Equal(one.Rev, two.Rev);
            Assert.Equal(depth + 1, one.Rev.Generation);
            Assert.Equal(one.Rev, Revision.Parse(one.Rev.ToString()));
            Assert.True(DocumentRules.DerivesFromParent(one));
            Assert.Equal(bx.AsSpan().SequenceEqual(by), one.Rev == RevisionLeaf.Child(parent, deleted, by).Rev);
            Assert.NotEqual(one.Rev, RevisionLeaf.Child(parent, !deleted, deleted ? Encoding.UTF8.GetBytes("{}") : []).Rev);
            if (!deleted)
            {
                Assert.True(DocumentRules.IsSaveOf(one, parent?.Rev.ToString(), bx));
                var current = parent is null ? null : DocumentRecord.Create("x", [parent]);
                var saved = DocumentRules.Save("db", current, "x", parent?.Rev.ToString(), bx);
                Assert.Equal(one.Rev, saved.Leaf.Rev);
            }
        }, iter: Iterations);
    }
}
