using System.Text;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Merging;

namespace MyNoSql.Storage.Tests.Merging;

/// <summary>
/// A replica that keeps no body of the common ancestor (history depth 0, or the ancestor never received) still resolves
/// a conflict whose fields need none (audit C, t_depth0 / t_edge): only a Counter field that a leaf has, or a Latest
/// field whose leaves differ and one of which carries no field stamp, leaves the conflict to a replica that keeps it.
/// </summary>
public sealed class MergeWithoutAncestorTests
{
    private static RevisionLeaf Child(RevisionLeaf? parent, string json, long stamp = 0) =>
        RevisionLeaf.Child(parent, false, Encoding.UTF8.GetBytes(json), stamp: stamp);

    [Fact]
    public void A_policy_whose_counter_and_latest_fields_this_record_does_not_need_resolves_without_the_ancestor()
    {
        var root = Child(null, """{"m":1,"t":"x"}""");
        var a = Child(root, """{"m":2,"t":"x"}""", stamp: 5);
        var b = Child(root, """{"m":3,"t":"x"}""", stamp: 9);
        // No history: the ancestor's body is unknown here. "v" (counter) is in no leaf; "t" (latest) is the same in both.
        var record = DocumentRecord.Create("k", [a, b]);
        var policy = new MergePolicy { Fields = { ["v"] = MergeStrategy.Counter, ["m"] = MergeStrategy.Max, ["t"] = MergeStrategy.Latest } };
        var resolved = ConflictResolver.TryResolve(record, policy, historyDepth: 0);
        Assert.NotNull(resolved);
        Assert.False(resolved.HasConflicts);
        Assert.Equal("""{"m":3,"t":"x"}""", Encoding.UTF8.GetString(resolved.Winner.Body.Span));
    }

    [Fact]
    public void A_counter_a_leaf_has_still_needs_the_ancestor()
    {
        var root = Child(null, """{"v":10,"m":1}""");
        var a = Child(root, """{"v":11,"m":2}""");
        var b = Child(root, """{"v":15,"m":3}""");
        var policy = new MergePolicy { Fields = { ["v"] = MergeStrategy.Counter, ["m"] = MergeStrategy.Max } };
        Assert.Null(ConflictResolver.TryResolve(DocumentRecord.Create("k", [a, b]), policy, historyDepth: 0));
        // Equal counters do not help either: both may have counted up from an ancestor below them.
        var c = Child(root, """{"v":11,"m":4}""");
        Assert.Null(ConflictResolver.TryResolve(DocumentRecord.Create("k", [a, c]), policy, historyDepth: 0));
    }
}
