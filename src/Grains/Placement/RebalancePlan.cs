namespace MyNoSql.Grains.Placement;

/// <summary>
/// What the <see cref="Rebalancer"/> of one mirror sends for one record after a membership change (pure, shared with the
/// deterministic simulation): the record's holders among the current mirrors that were not holders among the previous
/// ones, sent only by the first previous holder still alive, so one copy moves, not N.
/// </summary>
internal static class RebalancePlan
{
    /// <summary>
    /// Indexes into <paramref name="current"/> of the mirrors <paramref name="self"/> must send the record to. Without a
    /// previous view (a first start or a lost view file): every other current holder, when <paramref name="self"/> is one.
    /// </summary>
    /// <param name="keyHash">The record's <see cref="ReplicaPlacement.KeyHash"/>.</param>
    /// <param name="current">Identities of the live mirrors now.</param>
    /// <param name="currentHashes">Their <see cref="ReplicaPlacement.MirrorHash"/>es.</param>
    /// <param name="previous">Identities of the mirrors this one last settled for; null when unknown.</param>
    /// <param name="previousHashes">Their hashes (null with <paramref name="previous"/>).</param>
    /// <param name="alive">The identities in <paramref name="current"/>.</param>
    /// <param name="self">This mirror's identity.</param>
    /// <param name="replicas">Copies per record now.</param>
    /// <param name="previousReplicas">Copies per record in the previous view (0: the same as <paramref name="replicas"/>).</param>
    public static List<int> Targets(ulong keyHash, IReadOnlyList<string> current, IReadOnlyList<ulong> currentHashes, IReadOnlyList<string>? previous,
        IReadOnlyList<ulong>? previousHashes, IReadOnlySet<string> alive, string self, int replicas, int previousReplicas = 0)
    {
        var now = ReplicaPlacement.Choose(keyHash, currentHashes, replicas);
        var result = new List<int>();
        if (previous is null || previousHashes is null)
        {
            if (!now.Any(k => current[k] == self)) return result;
            foreach (int k in now) if (current[k] != self) result.Add(k);
            return result;
        }
        var before = ReplicaPlacement.Choose(keyHash, previousHashes, previousReplicas > 0 ? previousReplicas : replicas).Select(k => previous[k]).ToArray();
        // One sender per record: the best previous holder still alive (none alive: every mirror holding a copy sends it).
        string? sender = before.FirstOrDefault(alive.Contains);
        if (sender is not null && sender != self) return result;
        foreach (int k in now)
            if (current[k] != self && Array.IndexOf(before, current[k]) < 0) result.Add(k);
        return result;
    }
}
