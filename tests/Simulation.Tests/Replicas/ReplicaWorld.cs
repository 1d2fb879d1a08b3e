using MyNoSql.Grains.Placement;

namespace MyNoSql.Simulation.Tests.Replicas;

/// <summary>
/// Placement and rebalancing of <c>--replicas 3</c> over ~100 simulated mirrors, with the production rules: rendezvous
/// sets (<see cref="ReplicaPlacement"/>), the write and read quorums (<see cref="ReplicaSets.WriteQuorumOf"/>), the
/// rebalancer's plan (<see cref="RebalancePlan"/>) and anti-entropy per replica set. Crashes and partitions keep the disk;
/// destruction (a leave without draining) loses it. The failure budget is the guarantee's premise: at most N−1 mirrors
/// unavailable at once, of which at most N−W destroyed since the last complete repair round. Deterministic per seed.
/// </summary>
internal sealed partial class ReplicaWorld
{
    public const int N = 3;
    private const double MessageLoss = 0.05;
    private static readonly int W = ReplicaSets.WriteQuorumOf(N, 0);
    private static readonly int R = ReplicaSets.ReadQuorumOf(N, W);
    private readonly Random _rng;
    private readonly List<ReplicaMirror> _mirrors = [];
    private readonly ulong[] _keys;
    private long _nextLeaf;
    private int _destroyedSinceRepair;

    public ReplicaWorld(int seed, int mirrors = 100, int records = 2000)
    {
        _rng = new Random(seed);
        for (int i = 0; i < mirrors; i++) _mirrors.Add(new ReplicaMirror($"m{i:D3}"));
        _keys = [.. Enumerable.Range(0, records).Select(r => ReplicaPlacement.KeyHash("sim", $"r{r}"))];
        foreach (var m in _mirrors) m.Settled = ViewNames();
    }

    /// <summary>Writes acknowledged to the client (record, leaf).</summary>
    public List<(int Record, long Leaf)> Acked { get; } = [];

    /// <summary>Per measured join: copies the rebalancers moved, and the joiner's ideal share.</summary>
    public List<(long Moved, double Ideal)> Joins { get; } = [];

    public List<string> Trace { get; } = [];

    public int Records => _keys.Length;

    private ReplicaMirror[] View() => [.. _mirrors.Where(m => m.InView && !m.Destroyed).OrderBy(m => m.Name, StringComparer.Ordinal)];

    private string[] ViewNames() => [.. View().Select(m => m.Name)];

    private ReplicaMirror[] Holders(int record, ReplicaMirror[] view) =>
        [.. ReplicaPlacement.Choose(_keys[record], [.. view.Select(m => m.Hash)], N).Select(i => view[i])];

    private bool Delivered() => _rng.NextDouble() >= MessageLoss;

    private int Unavailable => _mirrors.Count(m => !m.Destroyed && !m.Usable) + _destroyedSinceRepair;

    /// <summary>A client write through a gateway: the grain on the first usable holder reads a read quorum, adds a leaf
    /// and replicates it to the other holders; acknowledged on W of N.</summary>
    public void Write(int record)
    {
        var holders = Holders(record, View());
        var grain = holders.FirstOrDefault(h => h.Usable);
        if (grain is null) return;
        int heard = 1;
        foreach (var other in holders.Where(h => h != grain && h.Usable))
        {
            if (heard >= R || !Delivered()) continue;
            if (other.Store.TryGetValue(record, out var theirs)) grain.Merge(record, theirs);
            heard++;
        }
        long leaf = ++_nextLeaf;
        grain.Merge(record, [leaf]);
        var known = grain.Store[record].ToArray();
        int acks = 1;
        foreach (var other in holders.Where(h => h != grain && h.Usable))
        {
            if (!Delivered()) continue;
            other.Merge(record, known);
            acks++;
        }
        if (acks >= W) Acked.Add((record, leaf));
    }

    /// <summary>One rebalancing pass of <paramref name="m"/> (Rebalancer.RunPassAsync); returns the copies a target did not hold.</summary>
    public long Rebalance(ReplicaMirror m)
    {
        if (Environment.GetEnvironmentVariable("MYNOSQL_SIM_REPLICA_MUTANT") == "1") return 0;
        if (!m.Usable || !m.InView) return 0;
        var view = View();
        string[] names = [.. view.Select(v => v.Name)];
        ulong[] hashes = [.. view.Select(v => v.Hash)];
        var alive = names.ToHashSet(StringComparer.Ordinal);
        ulong[]? previousHashes = m.Settled?.Select(ReplicaPlacement.MirrorHash).ToArray();
        bool ok = true;
        long moved = 0;
        foreach (var (record, leaves) in m.Store)
        {
            foreach (int t in RebalancePlan.Targets(_keys[record], names, hashes, m.Settled, previousHashes, alive, m.Name, N))
            {
                var target = view[t];
                if (!target.Usable || !Delivered())
                {
                    ok = false;
                    continue;
                }
                if (target.Merge(record, leaves)) moved++;
            }
        }
        if (!ok) return moved;
        m.Settled = names;
        // Rebalancer.Drop.cs: a copy this mirror no longer holds goes once every holder confirmed (or stored) its leaves.
        foreach (var (record, leaves) in m.Store.ToArray())
        {
            var holders = Holders(record, view);
            if (holders.Contains(m) || view.Length <= N) continue;
            bool confirmed = true;
            foreach (var holder in holders)
            {
                if (holder.Store.TryGetValue(record, out var theirs) && theirs.IsSupersetOf(leaves)) continue;
                if (!holder.Usable || !Delivered())
                {
                    confirmed = false;
                    break;
                }
                if (holder.Merge(record, leaves)) moved++;
            }
            if (confirmed) m.Store.Remove(record);
        }
        return moved;
    }

    /// <summary>Anti-entropy of <paramref name="m"/> (AntiEntropyWorker with --replicas): every holder of a record it has gets what it lacks.</summary>
    public void AntiEntropy(ReplicaMirror m)
    {
        if (Environment.GetEnvironmentVariable("MYNOSQL_SIM_REPLICA_MUTANT") == "1") return;
        if (!m.Usable || !m.InView) return;
        var view = View();
        foreach (var (record, leaves) in m.Store)
            foreach (var holder in Holders(record, view))
                if (holder != m && holder.Usable && Delivered()) holder.Merge(record, leaves);
    }

    /// <summary>Every usable mirror rebalances and runs anti-entropy; with every member usable, destroyed mirrors stop counting.</summary>
    public void RepairRound()
    {
        foreach (var m in _mirrors.ToArray()) Rebalance(m);
        foreach (var m in _mirrors.ToArray()) AntiEntropy(m);
        if (View().All(m => m.Usable) && _mirrors.All(m => m.Destroyed || m.InView)) _destroyedSinceRepair = 0;
    }
}
