using System.Text;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Tests.Documents;

public class DocumentRulesTests
{
    private static byte[] B(string json) => Encoding.UTF8.GetBytes(json);

    [Fact]
    public void Create_then_update_with_current_rev_grows_generation_and_keeps_ancestry()
    {
        var s1 = DocumentRules.Save("db", null, "x", null, B("{\"v\":1}"));
        Assert.Equal(1, s1.Leaf.Rev.Generation);
        var s2 = DocumentRules.Save("db", s1.Record, "x", s1.Leaf.Rev.ToString(), B("{\"v\":2}"));
        Assert.True(s2.Changed);
        Assert.Equal(2, s2.Leaf.Rev.Generation);
        Assert.Equal([s1.Leaf.Rev], s2.Leaf.Ancestry);
        Assert.Single(s2.Record.Leaves);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("1-00000000000000000000000000000000")]
    public void Stale_missing_or_malformed_rev_on_existing_record_is_a_conflict(string? rev)
    {
        var s1 = DocumentRules.Save("db", null, "x", null, B("{\"v\":1}"));
        var e = Assert.Throws<RevisionConflictException>(() => DocumentRules.Save("db", s1.Record, "x", rev, B("{\"v\":2}")));
        Assert.Equal("x", e.Id);
        Assert.Equal("db", e.Database);
        Assert.Equal(s1.Leaf.Rev.ToString(), e.CurrentRevision);
    }

    [Fact]
    public void Saving_unchanged_content_writes_nothing_and_returns_the_current_rev()
    {
        var s1 = DocumentRules.Save("db", null, "x", null, B("{\"v\":1}"));
        var again = DocumentRules.Save("db", s1.Record, "x", s1.Leaf.Rev.ToString(), B("{\"v\":1}"));
        Assert.False(again.Changed);
        Assert.Same(s1.Record, again.Record);
        Assert.Equal(s1.Leaf.Rev, again.Leaf.Rev);
    }

    [Fact]
    public void Two_replicas_making_the_same_edit_agree_on_the_revision()
    {
        var s1 = DocumentRules.Save("db", null, "x", null, B("{\"v\":1}"));
        var a = DocumentRules.Save("db", s1.Record, "x", s1.Leaf.Rev.ToString(), B("{\"v\":2}"));
        var b = DocumentRules.Save("db", s1.Record, "x", s1.Leaf.Rev.ToString(), B("{\"v\":2}"));
        Assert.Equal(a.Leaf.Rev, b.Leaf.Rev);
    }

    [Fact]
    public void Delete_writes_a_tombstone_and_recreation_descends_from_it_ignoring_rev()
    {
        var s1 = DocumentRules.Save("db", null, "x", null, B("{\"v\":1}"));
        var d = DocumentRules.Delete("db", s1.Record, "x", s1.Leaf.Rev.ToString());
        Assert.True(d.Record.Winner.Deleted);
        Assert.Equal(2, d.Leaf.Rev.Generation);
        Assert.Throws<DocumentNotFoundException>(() => DocumentRules.Delete("db", d.Record, "x", d.Leaf.Rev.ToString()));
        var again = DocumentRules.Save("db", d.Record, "x", "malformed", B("{\"v\":3}"));
        Assert.Equal(3, again.Leaf.Rev.Generation);
        Assert.Contains(d.Leaf.Rev, again.Leaf.Ancestry);
        Assert.False(again.Record.Winner.Deleted);
    }

    [Fact]
    public void On_a_deleted_record_a_rev_from_before_the_delete_is_a_conflict_for_a_save_and_a_delete()
    {
        // Two writers given the same rev: one deletes, the other saves (or deletes) with it. Only the first may succeed.
        var s1 = DocumentRules.Save("db", null, "x", null, B("{\"v\":1}"));
        var d = DocumentRules.Delete("db", s1.Record, "x", s1.Leaf.Rev.ToString());
        var save = Assert.Throws<RevisionConflictException>(() => DocumentRules.Save("db", d.Record, "x", s1.Leaf.Rev.ToString(), B("{\"v\":2}")));
        Assert.Equal(d.Leaf.Rev.ToString(), save.CurrentRevision);
        Assert.Throws<RevisionConflictException>(() => DocumentRules.Delete("db", d.Record, "x", s1.Leaf.Rev.ToString()));
        Assert.Throws<RevisionConflictException>(() => DocumentRules.SetAttachment("db", d.Record, "x", s1.Leaf.Rev.ToString(), "a.txt",
            new MyNoSql.Storage.Attachments.AttachmentStub("text/plain", 1, "sha256-" + Convert.ToBase64String(new byte[32]))));
        // The tombstone's own rev, a missing one and a malformed one re-create it (§2); deleting again is not found.
        foreach (var rev in new[] { d.Leaf.Rev.ToString(), null, "garbage" })
        {
            var again = DocumentRules.Save("db", d.Record, "x", rev, B("{\"v\":3}"));
            Assert.Contains(d.Leaf.Rev, again.Leaf.Ancestry);
            Assert.Throws<DocumentNotFoundException>(() => DocumentRules.Delete("db", d.Record, "x", rev));
        }
    }

    [Fact]
    public void Delete_with_stale_rev_is_a_conflict_and_unknown_record_is_not_found()
    {
        var s1 = DocumentRules.Save("db", null, "x", null, B("{\"v\":1}"));
        var s2 = DocumentRules.Save("db", s1.Record, "x", s1.Leaf.Rev.ToString(), B("{\"v\":2}"));
        Assert.Throws<RevisionConflictException>(() => DocumentRules.Delete("db", s2.Record, "x", s1.Leaf.Rev.ToString()));
        Assert.Throws<DocumentNotFoundException>(() => DocumentRules.Delete("db", null, "x", s1.Leaf.Rev.ToString()));
    }

    [Fact]
    public void Merge_accepts_descendants_ignores_known_and_keeps_concurrent_edits_as_conflicts()
    {
        var s1 = DocumentRules.Save("db", null, "x", null, B("{\"v\":1}"));
        var a = DocumentRules.Save("db", s1.Record, "x", s1.Leaf.Rev.ToString(), B("{\"a\":1}"));
        var b = DocumentRules.Save("db", s1.Record, "x", s1.Leaf.Rev.ToString(), B("{\"b\":1}"));

        var m1 = DocumentRules.Merge(s1.Record, "x", a.Leaf);
        Assert.Equal(MergeResult.Accepted, m1.Result);
        Assert.Equal(MergeResult.AlreadyKnown, DocumentRules.Merge(m1.Record, "x", s1.Leaf).Result);
        Assert.Equal(MergeResult.AlreadyKnown, DocumentRules.Merge(m1.Record, "x", a.Leaf).Result);

        var m2 = DocumentRules.Merge(m1.Record, "x", b.Leaf);
        Assert.Equal(MergeResult.Conflict, m2.Result);
        Assert.Equal(2, m2.Record.Leaves.Count);
        var expectedWinner = a.Leaf.Rev > b.Leaf.Rev ? a.Leaf.Rev : b.Leaf.Rev;
        Assert.Equal(expectedWinner, m2.Record.Winner.Rev);
        Assert.Single(m2.Record.Conflicts);
    }

    [Fact]
    public void Deleting_a_loser_resolves_the_conflict_without_changing_the_winner()
    {
        var s1 = DocumentRules.Save("db", null, "x", null, B("{\"v\":1}"));
        var a = DocumentRules.Save("db", s1.Record, "x", s1.Leaf.Rev.ToString(), B("{\"a\":1}"));
        var b = DocumentRules.Save("db", s1.Record, "x", s1.Leaf.Rev.ToString(), B("{\"b\":1}"));
        var both = DocumentRules.Merge(a.Record, "x", b.Leaf).Record;
        var loser = both.Conflicts.Single();
        var resolved = DocumentRules.Delete("db", both, "x", loser.Rev.ToString());
        Assert.Equal(both.Winner.Rev, resolved.Record.Winner.Rev);
        Assert.Empty(resolved.Record.Conflicts);
        // The loser arriving again from another replica is known (an ancestor of the resolution tombstone).
        Assert.Equal(MergeResult.AlreadyKnown, DocumentRules.Merge(resolved.Record, "x", loser).Result);
    }

    [Fact]
    public void Replicas_converge_whatever_order_revisions_arrive_in()
    {
        var rng = new Random(1234);
        for (int round = 0; round < 200; round++)
        {
            // A small history: a base, then random edits on random branches.
            var leaves = new List<RevisionLeaf>();
            var root = DocumentRules.Save("db", null, "x", null, B("{\"r\":0}"));
            leaves.Add(root.Leaf);
            for (int i = 0; i < 6; i++)
            {
                var parent = leaves[rng.Next(leaves.Count)];
                var child = RevisionLeaf.Child(parent, rng.Next(5) == 0, B($"{{\"e\":{rng.Next(3)}}}"));
                leaves.Add(child);
            }
            DocumentRecord? Replay(IEnumerable<RevisionLeaf> order)
            {
                DocumentRecord? rec = null;
                foreach (var l in order) rec = DocumentRules.Merge(rec, "x", l).Record;
                return rec;
            }
            var reference = Replay(leaves)!;
            for (int k = 0; k < 5; k++)
            {
                var shuffled = leaves.OrderBy(_ => rng.Next()).ToList();
                // Duplicates must not matter either.
                shuffled.Insert(rng.Next(shuffled.Count), shuffled[rng.Next(shuffled.Count)]);
                var other = Replay(shuffled)!;
                Assert.Equal(reference.Winner.Rev, other.Winner.Rev);
                Assert.Equal(reference.Leaves.Select(l => l.Rev).Order(), other.Leaves.Select(l => l.Rev).Order());
            }
        }
    }

    [Fact]
    public void Record_encoding_round_trips()
    {
        var s1 = DocumentRules.Save("db", null, "x", null, B("{\"v\":1}"));
        var a = DocumentRules.Save("db", s1.Record, "x", s1.Leaf.Rev.ToString(), B("{\"a\":1}"));
        var b = DocumentRules.Save("db", s1.Record, "x", s1.Leaf.Rev.ToString(), B("{\"b\":1}"));
        var rec = DocumentRules.Merge(a.Record, "x", b.Leaf).Record;
        var back = DocumentRecord.Decode("x", rec.Encode());
        Assert.Equal(rec.Leaves.Select(l => l.Rev), back.Leaves.Select(l => l.Rev));
        Assert.Equal(rec.Leaves.Select(l => Encoding.UTF8.GetString(l.Body.Span)), back.Leaves.Select(l => Encoding.UTF8.GetString(l.Body.Span)));
        Assert.Equal(rec.Winner.Ancestry, back.Winner.Ancestry);
        Assert.Throws<FormatException>(() => DocumentRecord.Decode("x", rec.Encode().AsMemory(0, 10)));

        // The engine's form leaves the winner's revision to the engine's index.
        var compact = rec.Encode(omitWinnerRevision: true);
        Assert.Equal(rec.Encode().Length - Revision.EncodedSize, compact.Length);
        var restored = DocumentRecord.Decode("x", compact, rec.Winner.Rev);
        Assert.Equal(rec.Leaves.Select(l => l.Rev), restored.Leaves.Select(l => l.Rev));
        Assert.Throws<FormatException>(() => DocumentRecord.Decode("x", compact));
    }
}
