using MyNoSql.Grains.Placement;

namespace MyNoSql.Cluster.Tests.Replicas;

/// <summary>Rendezvous placement (<see cref="ReplicaPlacement"/>): a pure function, so every property is checked exactly.</summary>
public sealed class ReplicaPlacementTests
{
    private static string[] Mirrors(int count, int first = 0) => [.. Enumerable.Range(first, count).Select(i => $"mirror-{i:D3}")];

    private static IEnumerable<(string Db, string Id)> Keys(int count) => Enumerable.Range(0, count).Select(i => ("db", $"doc-{i}"));

    [Fact]
    public void A_set_has_N_distinct_mirrors_whatever_the_order_of_the_list()
    {
        var mirrors = Mirrors(7);
        var shuffled = mirrors.Reverse().ToArray();
        foreach (var (db, id) in Keys(2000))
        {
            var set = ReplicaPlacement.Choose(db, id, mirrors, 3);
            Assert.Equal(3, set.Distinct().Count());
            Assert.Equal(set, ReplicaPlacement.Choose(db, id, shuffled, 3));
        }
    }

    [Fact]
    public void Fewer_mirrors_than_replicas_means_every_mirror_holds_the_record()
    {
        var set = ReplicaPlacement.Choose("db", "x", Mirrors(2), 3);
        Assert.Equal(Mirrors(2).Order(), set.Order());
    }

    [Fact]
    public void The_same_key_and_mirrors_give_the_same_set_across_processes()
    {
        // Fixed values: a change of the hash would move every record of an existing cluster on upgrade.
        Assert.Equal(0xF016E6372BEDA5C9UL, ReplicaPlacement.KeyHash("db", "doc-1"));
        Assert.Equal(["mirror-001", "mirror-000", "mirror-003"], ReplicaPlacement.Choose("orders", "order-42", Mirrors(5), 3));
        Assert.NotEqual(ReplicaPlacement.KeyHash("a", "b/c"), ReplicaPlacement.KeyHash("a/b", "c"));
        Assert.NotEqual(ReplicaPlacement.KeyHash("ab", "c"), ReplicaPlacement.KeyHash("a", "bc"));
    }

    [Theory]
    [InlineData(5, 3)]
    [InlineData(10, 3)]
    [InlineData(50, 3)]
    public void Records_spread_evenly(int mirrorCount, int replicas)
    {
        var mirrors = Mirrors(mirrorCount);
        var load = mirrors.ToDictionary(m => m, _ => 0);
        const int records = 60_000;
        foreach (var (db, id) in Keys(records))
            foreach (var m in ReplicaPlacement.Choose(db, id, mirrors, replicas)) load[m]++;
        double ideal = (double)records * replicas / mirrorCount;
        foreach (var (mirror, count) in load)
            Assert.True(Math.Abs(count - ideal) < ideal * 0.12, $"{mirror} holds {count} records, ideal {ideal:F0}");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(9)]
    [InlineData(49)]
    [InlineData(99)]
    public void A_join_moves_only_the_new_mirrors_share(int existing)
    {
        const int replicas = 3;
        var before = Mirrors(existing);
        var after = Mirrors(existing + 1);
        string joiner = after[^1];
        int moved = 0;
        const int records = 20_000;
        foreach (var (db, id) in Keys(records))
        {
            var a = ReplicaPlacement.Choose(db, id, before, replicas);
            var b = ReplicaPlacement.Choose(db, id, after, replicas);
            var gained = b.Except(a).ToArray();
            // The only holder a record can gain is the joiner, and it then drops exactly one old holder.
            Assert.True(gained.Length == 0 || (gained.Length == 1 && gained[0] == joiner), $"{id}: gained {string.Join(",", gained)}");
            Assert.Equal(gained.Length, a.Except(b).Count());
            moved += gained.Length;
        }
        double ideal = (double)records * replicas / (existing + 1);
        Assert.True(moved <= 1.5 * ideal, $"moved {moved} copies, ideal share {ideal:F0}");
        Assert.True(moved >= 0.5 * ideal, $"moved {moved} copies, ideal share {ideal:F0}: the joiner got too little");
    }

    [Fact]
    public void A_leave_moves_only_the_leavers_records()
    {
        var before = Mirrors(10);
        var after = before.Where(m => m != "mirror-004").ToArray();
        foreach (var (db, id) in Keys(10_000))
        {
            var a = ReplicaPlacement.Choose(db, id, before, 3);
            var b = ReplicaPlacement.Choose(db, id, after, 3);
            if (!a.Contains("mirror-004")) Assert.Equal(a, b);
            else Assert.Equal(2, a.Intersect(b).Count());
        }
    }

    [Fact]
    public void Identities_not_addresses_decide_so_a_restart_keeps_the_sets()
    {
        // A restarted mirror has a new silo generation but the same name: the same set.
        var view = ReplicaPlacement.Choose("db", "k", ["a", "b", "c", "d", "e"], 3);
        Assert.Equal(view, ReplicaPlacement.Choose("db", "k", ["e", "d", "c", "b", "a"], 3));
        Assert.Equal("127.0.0.1:11111", ReplicaView.IdentityOf(null, SiloAddress.New(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 11111), 42)));
        Assert.Equal("m1", ReplicaView.IdentityOf("m1", SiloAddress.New(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 11111), 42)));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ReplicaPlacement.Choose("db", "x", Mirrors(3), 0));
        Assert.Throws<ArgumentNullException>(() => ReplicaPlacement.KeyHash(null!, "x"));
    }
}
