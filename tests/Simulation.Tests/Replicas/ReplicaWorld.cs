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
    private readonly Dictionary<string, Placement> _placements = new(StringComparer.Ordinal);
    private ReplicaMirror[]? _view;
    private Placement? _viewPlacement;

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

    /// <summary>The members (the same array instance while membership does not change, so placements are cached per view).</summary>
    private ReplicaMirror[] View()
    {
        ReplicaMirror[] now = [.. _mirrors.Where(m => m.InView && !m.Destroyed).OrderBy(m => m.Name, StringComparer.Ordinal)];
        if (_view is not null && now.AsSpan().SequenceEqual(_view)) return _view;
        _view = now;
        _viewPlacement = PlacementOf([.. now.Select(m => m.Name)]);
        return now;
    }

    private string[] ViewNames() => [.. View().Select(m => m.Name)];

    private ReplicaMirror[] Holders(int record, ReplicaMirror[] view)
    {
        var placement = ReferenceEquals(view, _view) ? _viewPlacement! : PlacementOf([.. view.Select(m => m.Name)]);
        var set = placement.Of(record, _keys[record]);
        var holders = new ReplicaMirror[set.Length];
        for (int i = 0; i < set.Length; i++) holders[i] = view[set[i]];
        return holders;
    }

    /// <summary>Rendezvous placement over one list of mirror names, computed per record on first use (it is pure), so that
    /// 100 mirrors' passes and anti-entropy do not recompute the same sets: 10,000 seeds must fit in an afternoon.</summary>
    private Placement PlacementOf(string[] names)
    {
        string key = string.Join('\n', names);
        if (_placements.TryGetValue(key, out var placement)) return placement;
        if (_placements.Count >= 256) _placements.Clear();
        return _placements[key] = new Placement(names, Records);
    }

    private sealed class Placement(string[] names, int records)
    {
        private readonly int[]?[] _sets = new int[]?[records];

        public string[] Names { get; } = names;

        public ulong[] Hashes { get; } = [.. names.Select(ReplicaPlacement.MirrorHash)];

        /// <summary>Indexes into <see cref="Names"/> of the record's holders (<see cref="ReplicaPlacement.Choose(ulong, IReadOnlyList{ulong}, int)"/>).</summary>
        public int[] Of(int record, ulong key) => _sets[record] ??= ReplicaPlacement.Choose(key, Hashes, N);

        /// <summary>Whether the record has the same holders here as in <paramref name="other"/> (then no rebalancer sends it).</summary>
        public bool SameHolders(int record, ulong key, Placement other)
        {
            var mine = Of(record, key);
            var theirs = other.Of(record, key);
            if (mine.Length != theirs.Length) return false;
            foreach (int i in mine)
            {
                bool found = false;
                foreach (int j in theirs) found |= string.Equals(Names[i], other.Names[j], StringComparison.Ordinal);
                if (!found) return false;
            }
            return true;
        }
    }

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
        var current = _viewPlacement!;
        string[] names = current.Names;
        HashSet<string>? alive = null;
        var previous = m.Settled is null ? null : PlacementOf(m.Settled);
        bool ok = true;
        long moved = 0;
        foreach (var (record, leaves) in m.Store)
        {
            // A record whose holders did not change has no target (RebalancePlan.Targets returns none): skipped for speed.
            if (previous is not null && current.SameHolders(record, _keys[record], previous)) continue;
            foreach (int t in RebalancePlan.Targets(_keys[record], names, current.Hashes, m.Settled, previous?.Hashes, alive ??= names.ToHashSet(StringComparer.Ordinal), m.Name, N))
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
        if (view.Length <= N) return moved;
        int self = Array.IndexOf(view, m);
        List<int>? dropped = null;
        foreach (var (record, leaves) in m.Store)
        {
            if (Array.IndexOf(current.Of(record, _keys[record]), self) >= 0) continue;
            var holders = Holders(record, view);
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
            if (confirmed) (dropped ??= []).Add(record);
        }
        foreach (int record in dropped ?? []) m.Store.Remove(record);
        return moved;
    }

    /// <summary>Anti-entropy of <paramref name="m"/> (AntiEntropyWorker with --replicas): every holder of a record it has gets what it lacks.</summary>
    public void AntiEntropy(ReplicaMirror m)
    {
        if (Environment.GetEnvironmentVariable("MYNOSQL_SIM_REPLICA_MUTANT") == "1") return;
        if (!m.Usable || !m.InView) return;
        var view = View();
        var placement = _viewPlacement!;
        foreach (var (record, leaves) in m.Store)
        {
            foreach (int h in placement.Of(record, _keys[record]))
            {
                var holder = view[h];
                if (holder != m && holder.Usable && Delivered()) holder.Merge(record, leaves);
            }
        }
    }

    /// <summary>Every usable mirror rebalances and runs anti-entropy; with every member usable, destroyed mirrors stop counting.</summary>
    public void RepairRound()
    {
        foreach (var m in _mirrors.ToArray()) Rebalance(m);
        foreach (var m in _mirrors.ToArray()) AntiEntropy(m);
        if (View().All(m => m.Usable) && _mirrors.All(m => m.Destroyed || m.InView)) _destroyedSinceRepair = 0;
    }
}
