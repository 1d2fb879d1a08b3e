using System.Globalization;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Index;

namespace MyNoSql.Grains.Placement;

/// <summary>
/// Per-replica-set anti-entropy digests under <c>--replicas N</c> (DESIGN §12). Under replicas two mirrors hold different
/// subsets of every segment, so their whole-segment digests never match and comparing them made every anti-entropy round
/// walk every segment with every other mirror. Instead, for a pair of mirrors (this one and <c>peer</c>), each side
/// digests only the records it holds whose replica set includes the peer: with every copy in place both sides then digest
/// exactly the records both should hold, and the digests match. A record this mirror holds without being one of its
/// holders (a copy left by a membership change) is in its digest for each of the record's holders, so it makes the segment
/// differ until the rebalancer drops it, and the walk pushes it to holders that lack it (as before).
/// Each segment's digests for all peers are computed in one pass and cached until the segment or the membership changes.
/// Thread-safe.
/// </summary>
internal sealed class ReplicaDigests(ReplicaSets sets)
{
    private readonly Dictionary<(string Database, int Segment), Cached> _cache = [];
    private readonly Lock _gate = new();

    /// <summary>
    /// This silo's digest, per segment of <paramref name="database"/>, of the records it holds whose replica set includes
    /// <paramref name="peer"/>; null when replicas are not active or <paramref name="peer"/> is not an active member of
    /// this silo's view (the caller then compares every segment).
    /// </summary>
    public SegmentDigest[]? For(LocalIndex index, string database, SiloAddress peer)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (!sets.Active) return null;
        var view = sets.Current;
        if (!view.Contains(peer)) return null;
        var wholes = index.Digests(database);
        var result = new SegmentDigest[IndexSegment.Count];
        for (int segment = 0; segment < result.Length; segment++)
        {
            var (digest, count) = Segment(index, database, segment, wholes[segment].Digest, view).Get(peer);
            result[segment] = new SegmentDigest(segment, digest.ToString("x32", CultureInfo.InvariantCulture), count, 0, 0);
        }
        return result;
    }

    /// <summary>Pure form, for tests: per other silo, the digest and count of <paramref name="entries"/> (id, entry digest) whose set includes it.</summary>
    internal static Dictionary<SiloAddress, (UInt128 Digest, int Count)> Compute(
        string database, IEnumerable<(string Id, UInt128 Hash)> entries, ReplicaView view, int replicas, SiloAddress self)
    {
        var perPeer = new Dictionary<SiloAddress, (UInt128 Digest, int Count)>();
        foreach (var (id, hash) in entries)
        {
            foreach (int holder in ReplicaPlacement.Choose(ReplicaPlacement.KeyHash(database, id), view.Hashes, replicas))
            {
                var silo = view.Silos[holder];
                if (silo.Equals(self)) continue;
                var (digest, count) = perPeer.GetValueOrDefault(silo);
                perPeer[silo] = (digest ^ hash, count + 1);
            }
        }
        return perPeer;
    }

    private Cached Segment(LocalIndex index, string database, int segment, string whole, ReplicaView view)
    {
        lock (_gate)
        {
            if (_cache.TryGetValue((database, segment), out var cached) && cached.Whole == whole && cached.Version.Equals(view.Version)
                && cached.Replicas == sets.Replicas)
                return cached;
        }
        // The entries and the whole digest they add up to, taken together (the segment may have moved since `whole`).
        (whole, var entries) = index.EntryDigests(database, segment);
        var fresh = new Cached(whole, view.Version, sets.Replicas, Compute(database, entries, view, sets.Replicas, sets.Local));
        lock (_gate)
        {
            if (entries.Length == 0) _cache.Remove((database, segment)); // nothing held: nothing to remember (a dropped database)
            else _cache[(database, segment)] = fresh;
        }
        return fresh;
    }

    private sealed record Cached(string Whole, MembershipVersion Version, int Replicas, Dictionary<SiloAddress, (UInt128 Digest, int Count)> PerPeer)
    {
        public (UInt128 Digest, int Count) Get(SiloAddress peer) => PerPeer.GetValueOrDefault(peer);
    }
}
