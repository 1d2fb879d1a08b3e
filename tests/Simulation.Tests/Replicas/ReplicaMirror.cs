using MyNoSql.Grains.Placement;

namespace MyNoSql.Simulation.Tests.Replicas;

/// <summary>One simulated mirror of <see cref="ReplicaWorld"/>: its process, network and membership state and its copy
/// (per record, every leaf it knows — a grow-only set, as merging revision trees never forgets a leaf).</summary>
internal sealed class ReplicaMirror(string name)
{
    public string Name { get; } = name;

    public ulong Hash { get; } = ReplicaPlacement.MirrorHash(name);

    /// <summary>The process runs.</summary>
    public bool Up { get; set; } = true;

    /// <summary>Not cut off by a partition.</summary>
    public bool Reachable { get; set; } = true;

    /// <summary>Orleans membership lists it as active.</summary>
    public bool InView { get; set; } = true;

    /// <summary>Gone for good with its disk (a leave without draining, or a dead machine replaced).</summary>
    public bool Destroyed { get; set; }

    /// <summary>The view its rebalancer last settled (the REPLICA-VIEW file: survives a crash, not a destruction).</summary>
    public string[]? Settled { get; set; }

    public Dictionary<int, HashSet<long>> Store { get; } = [];

    public bool Usable => Up && Reachable && !Destroyed;

    /// <summary>Merges <paramref name="leaves"/> into its copy of <paramref name="record"/>; true when it learnt a leaf.</summary>
    public bool Merge(int record, IEnumerable<long> leaves)
    {
        if (!Store.TryGetValue(record, out var known)) Store[record] = known = [];
        bool learnt = false;
        foreach (long leaf in leaves) learnt |= known.Add(leaf);
        return learnt;
    }
}
