using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Merging;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Tests.Merging;

/// <summary>
/// Laws of <see cref="ConflictResolver"/> over random leaf sets and policies (CsCheck): the merge does not depend on the
/// leaves' order, is associative where the strategies form a semilattice (Winner by revision, Max, Min, Union) and
/// idempotent, Counter adds every leaf's change to the ancestor, Latest takes the newest changed value, and two
/// independent resolutions of the same record write the same revisions.
/// </summary>
public sealed class ConflictResolverPropertyTests
{
    private const int Iterations = 300;
    private static readonly string[] Names = ["title", "score", "tags", "visits", "a", "b"];
    private static readonly MergeStrategy[] Lattice = [MergeStrategy.Winner, MergeStrategy.Max, MergeStrategy.Min, MergeStrategy.Union];

    private static readonly Gen<JsonNode?> Scalar = Gen.OneOf(
        Gen.Int[-5, 5].Select(i => (JsonNode?)JsonValue.Create(i)),
        Gen.Char["abcxy"].Array[0, 3].Select(c => (JsonNode?)JsonValue.Create(new string(c))),
        Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
        Gen.Const((JsonNode?)null));

    private static readonly Gen<JsonNode?> Value = Gen.Frequency(
        (4, Scalar),
        (3, Scalar.Array[0, 4].Select(items => (JsonNode?)new JsonArray([.. items]))));

    /// <summary>A body: each known field present (with a random value) or missing.</summary>
    private static readonly Gen<byte[]> Body = Gen.Select(Gen.Bool.Array[Names.Length], Value.Array[Names.Length], Gen.Int, (present, values, seed) =>
    {
        var o = new JsonObject();
        var order = Names.ToArray();
        new Random(seed).Shuffle(order); // field order differs between leaves
        foreach (var name in order)
        {
            int i = Array.IndexOf(Names, name);
            if (present[i]) o[name] = values[i]?.DeepClone();
        }
        return Encoding.UTF8.GetBytes(o.ToJsonString());
    });

    /// <summary>An ancestor body and 1–5 leaves, each a child (or grandchild) of it with its own stamp.</summary>
    private static readonly Gen<(byte[] Ancestor, RevisionLeaf[] Leaves)> Leaves = Gen.Select(
        Body, Gen.Select(Body, Body, Gen.Bool, Gen.Long[1, 50]).Array[1, 5], (ancestor, edits) =>
        {
            var root = RevisionLeaf.Child(null, false, ancestor, stamp: 1);
            var leaves = edits.Select(e =>
            {
                var first = RevisionLeaf.Child(root, false, e.Item1, stamp: e.Item4);
                return e.Item3 ? RevisionLeaf.Child(first, false, e.Item2, stamp: e.Item4 + 1) : first;
            }).DistinctBy(l => l.Rev).ToArray();
            return (ancestor, leaves);
        });

    private static Gen<MergePolicy> Policies(MergeStrategy[] strategies) => Gen.Int[0, strategies.Length - 1].Array[Names.Length].Select(picks =>
    {
        var policy = new MergePolicy();
        for (int i = 0; i < Names.Length; i++) policy.Fields[Names[i]] = strategies[picks[i]];
        return policy;
    });

    private static readonly Gen<MergePolicy> AnyPolicy = Policies(Enum.GetValues<MergeStrategy>());

    private static JsonObject Parse(byte[] body) => JsonNode.Parse(body)!.AsObject();

    /// <summary>The object with fields in ordinal order: equal exactly when the content is.</summary>
    private static string Canonical(byte[]? body) =>
        body is null ? "null" : new JsonObject(Parse(body).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))).ToJsonString();

    [Fact]
    public void The_merge_does_not_depend_on_the_order_of_the_leaves()
    {
        Gen.Select(Leaves, AnyPolicy, Gen.Int).Sample((set, policy, seed) =>
        {
            var merged = ConflictResolver.MergeBodies(set.Leaves, set.Ancestor, policy);
            var shuffled = set.Leaves.ToArray();
            new Random(seed).Shuffle(shuffled);
            Assert.Equal(merged, ConflictResolver.MergeBodies(shuffled, set.Ancestor, policy));
            Assert.Equal(merged, ConflictResolver.MergeBodies([.. set.Leaves.Reverse()], set.Ancestor, policy));
        }, iter: Iterations);
    }

    [Fact]
    public void Semilattice_strategies_are_associative_merging_a_merge_equals_merging_all()
    {
        Gen.Select(Leaves, Policies(Lattice), Gen.Int).Sample((set, policy, seed) =>
        {
            var leaves = set.Leaves;
            if (leaves.Length < 2) return;
            int split = 1 + (int)((uint)seed % (uint)(leaves.Length - 1));
            var all = ConflictResolver.MergeBodies(leaves, null, policy);
            // merge(merge(first part), rest): the first part's merge stands in as its winner (Winner by revision).
            var part = leaves[..split];
            var partWinner = part.Order(DocumentRules.WinnerFirst).First();
            var partMerged = partWinner with { Body = ConflictResolver.MergeBodies(part, null, policy)! };
            var stepwise = ConflictResolver.MergeBodies([partMerged, .. leaves[split..]], null, policy);
            Assert.Equal(Canonical(all), Canonical(stepwise));
        }, iter: Iterations);
    }

    [Fact]
    public void The_merge_is_idempotent()
    {
        Gen.Select(Leaves, Policies([.. Lattice, MergeStrategy.Latest])).Sample((set, policy) =>
        {
            foreach (var leaf in set.Leaves)
            {
                var once = ConflictResolver.MergeBodies([leaf], set.Ancestor, policy)!;
                Assert.Equal(once, ConflictResolver.MergeBodies([leaf, leaf], set.Ancestor, policy));
                // Merging a merge with itself changes nothing either.
                var again = leaf with { Body = once };
                Assert.Equal(once, ConflictResolver.MergeBodies([again, again], set.Ancestor, policy));
                // A single leaf keeps its content (Union only sorts and dedups its array).
                var original = Parse(leaf.Body.ToArray());
                var merged = Parse(once);
                foreach (var (name, value) in original)
                    if (policy.Fields[name] != MergeStrategy.Union) Assert.True(JsonNode.DeepEquals(value, merged[name]), name);
                Assert.Equal(original.Count, merged.Count);
            }
        }, iter: Iterations);
    }

    [Fact]
    public void Counter_is_the_ancestor_plus_every_leafs_change()
    {
        var ints = Gen.Int[-1000, 1000];
        Gen.Select(ints, ints.Array[1, 5], Gen.Bool).Sample((ancestor, values, ancestorMissing) =>
        {
            var root = RevisionLeaf.Child(null, false, Encoding.UTF8.GetBytes(ancestorMissing ? "{}" : $"{{\"n\":{ancestor}}}"));
            var leaves = values.Select((v, i) => RevisionLeaf.Child(root, false, Encoding.UTF8.GetBytes($"{{\"n\":{v},\"i\":{i}}}"))).ToArray();
            var policy = new MergePolicy { Fields = { ["n"] = MergeStrategy.Counter, ["i"] = MergeStrategy.Max } };
            var merged = Parse(ConflictResolver.MergeBodies(leaves, root.Body, policy)!);
            long baseValue = ancestorMissing ? 0 : ancestor;
            Assert.Equal(baseValue + values.Sum(v => (long)v - baseValue), merged["n"]!.GetValue<long>());
            Assert.Equal(values.Length - 1, merged["i"]!.GetValue<int>());
        }, iter: Iterations);
    }

    [Fact]
    public void Counter_falls_back_to_the_winner_for_non_numbers_and_needs_the_ancestor()
    {
        var root = RevisionLeaf.Child(null, false, "{\"n\":1}"u8.ToArray());
        var a = RevisionLeaf.Child(root, false, "{\"n\":\"x\"}"u8.ToArray());
        var b = RevisionLeaf.Child(root, false, "{\"n\":3}"u8.ToArray());
        var policy = new MergePolicy { Fields = { ["n"] = MergeStrategy.Counter } };
        var winner = new[] { a, b }.Order(DocumentRules.WinnerFirst).First();
        Assert.Equal(Parse(winner.Body.ToArray())["n"]!.ToJsonString(), Parse(ConflictResolver.MergeBodies([a, b], root.Body, policy)!)["n"]!.ToJsonString());
        Assert.Null(ConflictResolver.MergeBodies([a, b], null, policy));
    }

    [Fact]
    public void Latest_takes_the_changed_value_with_the_greatest_stamp()
    {
        Gen.Select(Leaves, Gen.Int[0, Names.Length - 1]).Sample((set, pick) =>
        {
            string name = Names[pick];
            var policy = new MergePolicy { Fields = { [name] = MergeStrategy.Latest } };
            var merged = Parse(ConflictResolver.MergeBodies(set.Leaves, set.Ancestor, policy)!);
            var ancestor = Parse(set.Ancestor);
            var ordered = set.Leaves.Order(DocumentRules.WinnerFirst).ToArray();
            bool Changed(RevisionLeaf l)
            {
                var body = Parse(l.Body.ToArray());
                bool has = body.ContainsKey(name);
                return has != ancestor.ContainsKey(name) || (has && !Collation.Equal(body[name], ancestor[name]));
            }
            var changed = ordered.Where(Changed).ToArray();
            // Greatest stamp; ties go to the earlier leaf in winner order.
            var expected = changed.Length == 0 ? ordered[0] : changed.First(l => l.Stamp == changed.Max(c => c.Stamp));
            var expectedBody = Parse(expected.Body.ToArray());
            Assert.Equal(expectedBody.ContainsKey(name), merged.ContainsKey(name));
            if (expectedBody.ContainsKey(name)) Assert.True(JsonNode.DeepEquals(expectedBody[name], merged[name]));
        }, iter: Iterations);
    }

    [Fact]
    public void The_resolver_compares_parsed_values_as_the_query_collation_does()
    {
        var values = Gen.Frequency((3, Value), (1, Gen.Select(Value, Value).Select(p => (JsonNode?)new JsonObject { ["k"] = p.Item1, ["l"] = p.Item2 })));
        Gen.Select(values, values).Sample((a, b) =>
        {
            using var x = System.Text.Json.JsonDocument.Parse(a?.ToJsonString() ?? "null");
            using var y = System.Text.Json.JsonDocument.Parse(b?.ToJsonString() ?? "null");
            Assert.Equal(Math.Sign(Collation.Compare(a, b)), Math.Sign(ConflictResolver.Compare(x.RootElement, y.RootElement)));
        }, iter: 2000);
    }

    [Fact]
    public void Max_min_and_union_follow_the_collation()
    {
        Leaves.Sample(set =>
        {
            var policy = new MergePolicy { Fields = { ["score"] = MergeStrategy.Max, ["title"] = MergeStrategy.Min, ["tags"] = MergeStrategy.Union } };
            var merged = Parse(ConflictResolver.MergeBodies(set.Leaves, null, policy)!);
            var bodies = set.Leaves.Select(l => Parse(l.Body.ToArray())).ToArray();
            var scores = bodies.Where(b => b.ContainsKey("score")).Select(b => b["score"]).ToList();
            if (scores.Count == 0) Assert.False(merged.ContainsKey("score"));
            else Assert.Equal(0, Collation.Compare(scores.Order(Comparer<JsonNode?>.Create(Collation.Compare)).Last(), merged["score"]));
            var titles = bodies.Where(b => b.ContainsKey("title")).Select(b => b["title"]).ToList();
            if (titles.Count == 0) Assert.False(merged.ContainsKey("title"));
            else Assert.Equal(0, Collation.Compare(titles.Order(Comparer<JsonNode?>.Create(Collation.Compare)).First(), merged["title"]));
            var tags = bodies.Where(b => b.ContainsKey("tags")).SelectMany(b => b["tags"] is JsonArray a ? a.ToArray() : [b["tags"]]).ToList();
            if (!bodies.Any(b => b.ContainsKey("tags"))) { Assert.False(merged.ContainsKey("tags")); return; }
            var union = merged["tags"]!.AsArray();
            for (int i = 1; i < union.Count; i++) Assert.True(Collation.Compare(union[i - 1], union[i]) < 0, "sorted, no duplicates");
            foreach (var t in tags) Assert.Contains(union, u => Collation.Compare(u, t) == 0);
        }, iter: Iterations);
    }

    [Fact]
    public void Two_independent_resolutions_of_the_same_record_write_the_same_revisions()
    {
        Gen.Select(Leaves, AnyPolicy, Gen.Int).Sample((set, policy, seed) =>
        {
            if (set.Leaves.Length < 2) return;
            var root = RevisionLeaf.Child(null, false, set.Ancestor, stamp: 1);
            var history = new[] { new HistoryEntry(root.Rev, false, 1, EditKind.Save, set.Ancestor, true) };
            var shuffled = set.Leaves.ToArray();
            new Random(seed).Shuffle(shuffled);
            var a = ConflictResolver.TryResolve(DocumentRecord.Create("x", set.Leaves, history), policy, 20);
            var b = ConflictResolver.TryResolve(DocumentRecord.Create("x", shuffled, history), policy, 20);
            if (policy.IsEmpty) { Assert.Null(a); Assert.Null(b); return; }
            // Two edits with the same first body share that child of the root: it is the leaves' newest common ancestor,
            // which this history does not hold, so a policy that needs it leaves the conflict open, on both replicas.
            if (a is null && ConflictResolver.CommonAncestor(set.Leaves) != root.Rev) { Assert.Null(b); return; }
            Assert.NotNull(a);
            Assert.NotNull(b);
            Assert.Equal(Shape(a), Shape(b));
            Assert.True(a.Winner.Body.Span.SequenceEqual(b.Winner.Body.Span));
            // The resolution is a child of the old winner; every other live leaf is closed by its tombstone.
            var oldWinner = set.Leaves.Order(DocumentRules.WinnerFirst).First();
            Assert.Equal(oldWinner.Rev, a.Winner.Parent);
            Assert.Equal(EditKind.Resolve, a.Winner.Kind);
            Assert.Equal(set.Leaves.Max(l => l.Stamp), a.Winner.Stamp);
            Assert.False(a.HasConflicts);
            foreach (var loser in set.Leaves.Where(l => l.Rev != oldWinner.Rev))
                Assert.Contains(a.Leaves, l => l.Deleted && l.Rev == DocumentRules.TombstoneOf(loser.Rev));
            // Resolving again changes nothing: no live conflict is left.
            Assert.Null(ConflictResolver.TryResolve(a, policy, 20));
        }, iter: Iterations);
    }

    [Fact]
    public void Without_the_ancestor_body_latest_and_counter_do_not_resolve()
    {
        var root = RevisionLeaf.Child(null, false, "{\"n\":1}"u8.ToArray());
        var a = RevisionLeaf.Child(root, false, "{\"n\":2}"u8.ToArray());
        var b = RevisionLeaf.Child(root, false, "{\"n\":3}"u8.ToArray());
        var record = DocumentRecord.Create("x", [a, b]);
        Assert.Null(ConflictResolver.TryResolve(record, new MergePolicy { Fields = { ["n"] = MergeStrategy.Latest } }, 20));
        Assert.Null(ConflictResolver.TryResolve(record, new MergePolicy { Fields = { ["n"] = MergeStrategy.Counter } }, 20));
        var max = ConflictResolver.TryResolve(record, new MergePolicy { Fields = { ["n"] = MergeStrategy.Max } }, 20);
        Assert.Equal("{\"n\":3}", Encoding.UTF8.GetString(max!.Winner.Body.Span));
        var withHistory = record.WithHistory([new HistoryEntry(root.Rev, false, 0, EditKind.Save, root.Body, true)]);
        var counter = ConflictResolver.TryResolve(withHistory, new MergePolicy { Fields = { ["n"] = MergeStrategy.Counter } }, 20);
        Assert.Equal("{\"n\":4}", Encoding.UTF8.GetString(counter!.Winner.Body.Span));
    }

    [Fact]
    public void Independent_creations_merge_against_an_empty_ancestor_only_when_known_back_to_creation()
    {
        var a = RevisionLeaf.Child(null, false, "{\"n\":2,\"t\":\"a\"}"u8.ToArray(), stamp: 5);
        var b = RevisionLeaf.Child(null, false, "{\"n\":3,\"t\":\"b\"}"u8.ToArray(), stamp: 9);
        var policy = new MergePolicy { Fields = { ["n"] = MergeStrategy.Counter, ["t"] = MergeStrategy.Latest } };
        var resolved = ConflictResolver.TryResolve(DocumentRecord.Create("x", [a, b]), policy, 20);
        var body = JsonNode.Parse(resolved!.Winner.Body.Span)!.AsObject();
        Assert.Equal(5, (int)body["n"]!);
        Assert.Equal("b", (string)body["t"]!);
        // A branch whose ancestry was cut (generation 3, one ancestor known) may share an older revision: unknown.
        var cut = new RevisionLeaf(new Revision(3, 1, 1), false, [new Revision(2, 1, 1)], "{\"n\":1}"u8.ToArray());
        Assert.Null(ConflictResolver.TryResolve(DocumentRecord.Create("x", [a, cut]), policy, 20));
    }

    [Fact]
    public void The_common_ancestor_is_the_newest_revision_every_live_leaf_descends_from()
    {
        var root = RevisionLeaf.Child(null, false, "{\"v\":0}"u8.ToArray());
        var mid = RevisionLeaf.Child(root, false, "{\"v\":1}"u8.ToArray());
        var a = RevisionLeaf.Child(mid, false, "{\"v\":2}"u8.ToArray());
        var b = RevisionLeaf.Child(RevisionLeaf.Child(mid, false, "{\"v\":3}"u8.ToArray()), false, "{\"v\":4}"u8.ToArray());
        var c = RevisionLeaf.Child(root, false, "{\"v\":5}"u8.ToArray());
        Assert.Equal(mid.Rev, ConflictResolver.CommonAncestor([a, b]));
        Assert.Equal(root.Rev, ConflictResolver.CommonAncestor([b, a, c]));
        Assert.Equal(mid.Rev, ConflictResolver.CommonAncestor([a, mid]));
        var unrelated = RevisionLeaf.Child(null, false, "{\"v\":9}"u8.ToArray());
        Assert.True(ConflictResolver.CommonAncestor([a, unrelated]).IsEmpty);
    }

    private static string Shape(DocumentRecord? record) =>
        record is null ? "" : string.Join(",", record.Leaves.Select(l => (l.Deleted ? "d" : "") + l.Rev + "@" + l.Stamp + ":" + l.Kind));
}
