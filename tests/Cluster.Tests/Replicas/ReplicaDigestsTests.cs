using System.Net;
using System.Text;
using MyNoSql.Grains.Placement;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Index;

namespace MyNoSql.Cluster.Tests.Replicas;

/// <summary>
/// Per-replica-set anti-entropy digests (<see cref="ReplicaDigests"/>): five mirrors' local indexes, each holding exactly its
/// rendezvous share. Whole-segment digests differ between any two of them (so comparing those walks every segment every
/// round), while the digests of the records a pair should both hold agree — and move exactly where a copy is stale or a
/// mirror keeps a copy it is not a holder of.
/// </summary>
public sealed class ReplicaDigestsTests
{
    private const string Db = "d";
    private const int Replicas = 3;
    private static readonly ReplicaView View = new(new MembershipVersion(7), Enumerable.Range(0, 5).Select(i =>
        new ClusterMember(SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 22111 + i), 1), SiloStatus.Active, $"mirror-{i}")));

    private static Revision Rev(string id, int version) => Revision.Next(default, false, Encoding.UTF8.GetBytes($"{id}:{version}"));

    private static LocalIndex[] Share(int records)
    {
        var indexes = View.Silos.Select(_ => new LocalIndex()).ToArray();
        for (int r = 0; r < records; r++)
        {
            string id = $"doc-{r}";
            foreach (var holder in View.Holders(Db, id, Replicas)) indexes[Array.IndexOf(View.Silos, holder)].Apply(Db, id, Rev(id, 1), false, null);
        }
        return indexes;
    }

    /// <summary>Segments where mirror <paramref name="a"/>'s digest for <paramref name="b"/> differs from b's for a.</summary>
    private static List<int> Differing(LocalIndex[] indexes, int a, int b)
    {
        var differing = new List<int>();
        for (int segment = 0; segment < IndexSegment.Count; segment++)
        {
            var ours = ReplicaDigests.Compute(Db, indexes[a].EntryDigests(Db, segment).Entries, View, Replicas, View.Silos[a]);
            var theirs = ReplicaDigests.Compute(Db, indexes[b].EntryDigests(Db, segment).Entries, View, Replicas, View.Silos[b]);
            if (ours.GetValueOrDefault(View.Silos[b]) != theirs.GetValueOrDefault(View.Silos[a])) differing.Add(segment);
        }
        return differing;
    }

    private static IEnumerable<(int A, int B)> Pairs() =>
        from a in Enumerable.Range(0, 5) from b in Enumerable.Range(0, 5) where a != b select (a, b);

    [Fact]
    public void Mirrors_holding_their_share_agree_per_pair_though_every_whole_segment_differs()
    {
        var indexes = Share(640);
        foreach (var (a, b) in Pairs())
        {
            Assert.Empty(Differing(indexes, a, b));
            // What the old comparison saw: whole-segment digests of two mirrors' different subsets.
            var whole = indexes[a].Digests(Db).Zip(indexes[b].Digests(Db)).Count(p => p.First.Digest != p.Second.Digest);
            Assert.True(whole >= IndexSegment.Count - 2, $"mirrors {a} and {b}: only {whole} whole segments differ");
        }
        // The pair digests cover real records: each pair shares ≈ 640 · 3/5 · 2/4 = 192 of them.
        var shared = ReplicaDigests.Compute(Db, Enumerable.Range(0, IndexSegment.Count).SelectMany(s => indexes[0].EntryDigests(Db, s).Entries),
            View, Replicas, View.Silos[0]);
        Assert.Equal(4, shared.Count);
        Assert.All(shared.Values, v => Assert.InRange(v.Count, 120, 270));
    }

    [Fact]
    public void A_stale_copy_moves_exactly_its_segment_for_the_pairs_of_its_replica_set()
    {
        var indexes = Share(640);
        const string id = "doc-17";
        var holders = View.Holders(Db, id, Replicas).Select(h => Array.IndexOf(View.Silos, h)).ToArray();
        // One holder learns a newer revision the others lack.
        indexes[holders[0]].Apply(Db, id, Rev(id, 2), false, null);
        int segment = IndexSegment.SegmentOf(id);
        foreach (var (a, b) in Pairs())
        {
            bool involved = (a == holders[0] && holders.Contains(b)) || (b == holders[0] && holders.Contains(a));
            Assert.Equal(involved ? [segment] : [], Differing(indexes, a, b));
        }
    }

    [Fact]
    public void A_copy_kept_by_a_mirror_outside_the_set_differs_with_each_holder_until_dropped()
    {
        var indexes = Share(640);
        const string id = "doc-33";
        var holders = View.Holders(Db, id, Replicas).Select(h => Array.IndexOf(View.Silos, h)).ToArray();
        int outsider = Enumerable.Range(0, 5).First(m => !holders.Contains(m));
        indexes[outsider].Apply(Db, id, Rev(id, 1), false, null);
        int segment = IndexSegment.SegmentOf(id);
        foreach (var (a, b) in Pairs())
        {
            bool involved = (a == outsider && holders.Contains(b)) || (b == outsider && holders.Contains(a));
            Assert.Equal(involved ? [segment] : [], Differing(indexes, a, b));
        }
        indexes[outsider].Forget(Db, id);
        foreach (var (a, b) in Pairs()) Assert.Empty(Differing(indexes, a, b));
    }
}
