using System.Text;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Tests.Documents;

/// <summary>
/// The questions retries and receivers ask <see cref="DocumentRules"/> (is this leaf the save or delete of…, does it
/// derive from its parent), the winner rule, and the ancestry of edits made while a record is pending.
/// </summary>
public sealed class DocumentRulesQuestionsTests
{
    private static byte[] B(string json) => Encoding.UTF8.GetBytes(json);

    [Fact]
    public void A_leaf_is_the_save_of_its_parent_and_body_and_nothing_else()
    {
        var s1 = DocumentRules.Save("db", null, "x", null, B("{\"v\":1}"));
        var s2 = DocumentRules.Save("db", s1.Record, "x", s1.Leaf.Rev.ToString(), B("{\"v\":2}"));
        string parent = s1.Leaf.Rev.ToString();

        Assert.True(DocumentRules.IsSaveOf(s2.Leaf, parent, B("{\"v\":2}")));
        Assert.True(DocumentRules.IsSaveOf(s2.Leaf, null, B("{\"v\":2}")));          // no rev given: any parent
        Assert.False(DocumentRules.IsSaveOf(s2.Leaf, parent, B("{\"v\":3}")));        // other content
        Assert.False(DocumentRules.IsSaveOf(s2.Leaf, s2.Leaf.Rev.ToString(), B("{\"v\":2}"))); // other parent
        // A creation ignores the given rev, as savedoc does for a record that does not exist.
        Assert.True(DocumentRules.IsSaveOf(s1.Leaf, "7-" + new string('0', 32), B("{\"v\":1}")));

        var d = DocumentRules.Delete("db", s2.Record, "x", s2.Leaf.Rev.ToString());
        Assert.False(DocumentRules.IsSaveOf(d.Leaf, s2.Leaf.Rev.ToString(), []));
        Assert.True(DocumentRules.IsDeleteOf(d.Leaf, s2.Leaf.Rev.ToString()));
        Assert.False(DocumentRules.IsDeleteOf(d.Leaf, parent));
        Assert.False(DocumentRules.IsDeleteOf(d.Leaf, "garbage"));
        Assert.False(DocumentRules.IsDeleteOf(s2.Leaf, parent));
        Assert.Equal(d.Leaf.Rev, DocumentRules.TombstoneOf(s2.Leaf.Rev));
    }

    [Fact]
    public void A_leaf_derives_from_its_parent_and_content_unless_forged()
    {
        var s1 = DocumentRules.Save("db", null, "x", null, B("{\"v\":1}"));
        var s2 = DocumentRules.Save("db", s1.Record, "x", s1.Leaf.Rev.ToString(), B("{\"v\":2}"));
        Assert.True(DocumentRules.DerivesFromParent(s1.Leaf));
        Assert.True(DocumentRules.DerivesFromParent(s2.Leaf));
        Assert.False(DocumentRules.DerivesFromParent(s2.Leaf with { Body = B("{\"v\":\"forged\"}") }));
        Assert.False(DocumentRules.DerivesFromParent(s2.Leaf with { Deleted = true }));
        Assert.False(DocumentRules.DerivesFromParent(s1.Leaf with { Body = B("{}") }));
        // Without ancestry the parent is unknown: nothing to check.
        Assert.True(DocumentRules.DerivesFromParent(s2.Leaf with { Ancestry = [], Body = B("{}") }));
    }

    [Fact]
    public void A_live_leaf_wins_over_a_newer_tombstone_where_plain_revision_order_picked_the_tombstone()
    {
        var live = RevisionLeaf.Child(null, false, B("{\"side\":\"live\"}"));
        var other = RevisionLeaf.Child(null, false, B("{\"side\":\"other\"}"));
        var tombstone = RevisionLeaf.Child(other, deleted: true, ReadOnlyMemory<byte>.Empty);
        Assert.True(tombstone.Rev > live.Rev); // what the index segments used to compare
        Assert.True(DocumentRules.Wins(false, live.Rev, true, tombstone.Rev));
        Assert.False(DocumentRules.Wins(true, tombstone.Rev, false, live.Rev));
        Assert.Same(live, DocumentRecord.Create("x", [tombstone, live]).Winner);
        // Among equals in liveness, generation then hash decide.
        var newer = RevisionLeaf.Child(live, false, B("{\"side\":\"newer\"}"));
        Assert.True(DocumentRules.Wins(false, newer.Rev, false, live.Rev));
        Assert.Equal(0, DocumentRules.CompareWinners(false, live.Rev, false, live.Rev));
    }

    [Fact]
    public void Edits_of_a_pending_record_keep_their_whole_ancestry_up_to_the_bound_and_stored_leaves_keep_a_hundred()
    {
        var acknowledged = DocumentRules.Save("db", null, "x", null, B("{\"n\":0}"));
        var record = acknowledged.Record;
        var leaf = acknowledged.Leaf;
        for (int i = 1; i <= 150; i++)
        {
            var next = DocumentRules.Save("db", record, "x", leaf.Rev.ToString(), B($"{{\"n\":{i}}}"), pending: true);
            (record, leaf) = (next.Record, next.Leaf);
        }
        Assert.Equal(150, leaf.Ancestry.Length);
        Assert.True(leaf.Knows(acknowledged.Leaf.Rev));

        // The replica that stored the first revision sees 150 offline edits as one descendant, not a conflict...
        var merged = DocumentRules.Merge(acknowledged.Record, "x", leaf);
        Assert.Equal(MergeResult.Accepted, merged.Result);
        Assert.Equal(leaf.Rev, Assert.Single(merged.Record.Leaves).Rev);
        // ...and stores the leaf with the usual 100 ancestors (RevisionLeaf.AncestryLimit).
        Assert.Equal(RevisionLeaf.AncestryLimit, merged.Record.Winner.Ancestry.Length);

        // Without the pending growth, the same 150 edits lose the acknowledged revision and conflict.
        var capped = leaf with { Ancestry = leaf.Ancestry[..RevisionLeaf.AncestryLimit] };
        Assert.Equal(MergeResult.Conflict, DocumentRules.Merge(acknowledged.Record, "x", capped).Result);

        // Once acknowledged, the next edit starts from the usual bound again; the pending bound caps growth.
        var after = DocumentRules.Save("db", record, "x", leaf.Rev.ToString(), B("{\"n\":151}"));
        Assert.Equal(RevisionLeaf.AncestryLimit, after.Leaf.Ancestry.Length);
        var longest = leaf with { Ancestry = new Revision[RevisionLeaf.PendingAncestryLimit] };
        Assert.Equal(RevisionLeaf.PendingAncestryLimit, RevisionLeaf.Child(longest, false, B("{}"), pending: true).Ancestry.Length);
        var tombstone = DocumentRules.Delete("db", record, "x", leaf.Rev.ToString(), pending: true);
        Assert.Equal(151, tombstone.Leaf.Ancestry.Length);
    }
}
