namespace MyNoSql.Simulation.Tests.Replicas;

/// <summary>The schedule of one seed: random steps within the failure budget, then quiescence and the checks.</summary>
internal sealed partial class ReplicaWorld
{
    /// <summary>Loads every record once, runs <paramref name="steps"/> random steps, then heals, restarts and repairs.</summary>
    public void Run(int steps)
    {
        for (int r = 0; r < Records; r++) Write(r);
        for (int s = 0; s < steps; s++) Step(s);
        foreach (var m in _mirrors.Where(m => !m.Destroyed))
        {
            m.Up = m.Reachable = m.InView = true;
        }
        Trace.Add("end: every mirror healed and restarted");
        for (int round = 0; round < 4; round++) RepairRound();
    }

    private void Step(int s)
    {
        int dice = _rng.Next(100);
        var view = View();
        var pick = view[_rng.Next(view.Length)];
        if (dice < 40)
        {
            for (int i = 0; i < 20; i++) Write(_rng.Next(Records));
        }
        else if (dice < 52) Rebalance(pick);
        else if (dice < 60) AntiEntropy(pick);
        else if (dice < 65 && pick.Usable && Unavailable < N - 1) Act(s, "crash", pick, m => m.Up = false);
        else if (dice < 70 && pick.Usable && Unavailable < N - 1) Act(s, "partition", pick, m => m.Reachable = false);
        else if (dice < 78 && _mirrors.FirstOrDefault(m => !m.Destroyed && !m.Usable) is { } down)
            Act(s, "restart/heal", down, m => m.Up = m.Reachable = m.InView = true);
        else if (dice < 83 && view.FirstOrDefault(m => !m.Usable) is { } dead) Act(s, "declared dead", dead, m => m.InView = false);
        else if (dice < 86 && _destroyedSinceRepair < N - W && _mirrors.FirstOrDefault(m => !m.Destroyed && !m.Usable && !m.InView) is { } gone)
            Destroy(s, gone);
        else if (dice < 88 && pick.Usable && Unavailable < N - 1 && _destroyedSinceRepair < N - W) Destroy(s, pick);
        else if (dice < 94) Join(s);
        else RepairRound();
    }

    private void Act(int s, string what, ReplicaMirror m, Action<ReplicaMirror> change)
    {
        change(m);
        Trace.Add($"{s}: {what} {m.Name}");
    }

    private void Destroy(int s, ReplicaMirror m)
    {
        m.Destroyed = true;
        m.InView = false;
        m.Store.Clear();
        m.Settled = null;
        _destroyedSinceRepair++;
        Trace.Add($"{s}: destroyed {m.Name}");
    }

    /// <summary>A new mirror joins. When the cluster is (or can be repaired to) settled (every member usable and settled on the current view), the
    /// copies the rebalancers move for it are measured against its ideal share (N × records / mirrors).</summary>
    private void Join(int s)
    {
        var joiner = new ReplicaMirror($"m{_mirrors.Count:D3}") { Settled = null };
        // Measured joins start from a repaired cluster when every member is usable (repair rounds can fail on lost messages).
        for (int round = 0; round < 3 && View().All(m => m.Usable); round++) RepairRound();
        var before = ViewNames();
        bool settled = View().All(m => m.Usable && m.Settled is { } v && v.SequenceEqual(before, StringComparer.Ordinal));
        _mirrors.Add(joiner);
        Trace.Add($"{s}: join {joiner.Name}{(settled ? " (measured)" : "")}");
        if (!settled) return;
        long moved = 0;
        foreach (var m in View().Where(m => m != joiner)) moved += Rebalance(m);
        int held = Enumerable.Range(0, Records).Count(r => _mirrors.Any(m => m.Store.ContainsKey(r)));
        Joins.Add((moved, (double)N * held / View().Length));
    }

    /// <summary>Acknowledged leaves missing from a holder of their record under the final view (must be none).</summary>
    public List<string> Lost()
    {
        var view = View();
        var lost = new List<string>();
        foreach (var (record, leaf) in Acked)
        {
            foreach (var holder in Holders(record, view))
            {
                if (!holder.Store.TryGetValue(record, out var known) || !known.Contains(leaf))
                    lost.Add($"r{record} leaf {leaf} missing on holder {holder.Name}");
            }
        }
        return lost;
    }
}
