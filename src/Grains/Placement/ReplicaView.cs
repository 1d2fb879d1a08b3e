namespace MyNoSql.Grains.Placement;

/// <summary>
/// The live mirrors at one membership version, as rendezvous hashing sees them: each active silo with its stable
/// identity (the silo name; its endpoint when it has none) and that identity's hash. Immutable.
/// </summary>
internal sealed class ReplicaView
{
    private readonly Dictionary<SiloAddress, int> _index;

    public ReplicaView(MembershipVersion version, IEnumerable<ClusterMember> members)
    {
        Version = version;
        // One silo per identity, the newest incarnation: a mirror restarted under its name supersedes the old one, which
        // other silos may still list as active for a moment (as Replicator.OtherActiveSilos does per endpoint).
        var active = members.Where(m => m.Status == SiloStatus.Active)
            .GroupBy(m => IdentityOf(m.Name, m.SiloAddress), StringComparer.Ordinal)
            .Select(g => g.MaxBy(m => m.SiloAddress.Generation)!)
            .OrderBy(m => m.SiloAddress.ToString(), StringComparer.Ordinal).ToArray();
        Silos = [.. active.Select(m => m.SiloAddress)];
        Names = [.. active.Select(m => IdentityOf(m.Name, m.SiloAddress))];
        Hashes = [.. Names.Select(ReplicaPlacement.MirrorHash)];
        _index = new Dictionary<SiloAddress, int>(Silos.Length);
        for (int i = 0; i < Silos.Length; i++) _index[Silos[i]] = i;
    }

    public MembershipVersion Version { get; }

    /// <summary>The active silos.</summary>
    public SiloAddress[] Silos { get; }

    /// <summary>Each silo's stable identity (same order as <see cref="Silos"/>).</summary>
    public string[] Names { get; }

    /// <summary>Each identity's <see cref="ReplicaPlacement.MirrorHash"/>.</summary>
    public ulong[] Hashes { get; }

    public int Count => Silos.Length;

    /// <summary>A silo's stable identity: its name, or its endpoint (without the generation) when it has none.</summary>
    public static string IdentityOf(string? name, SiloAddress silo) =>
        string.IsNullOrEmpty(name) ? silo.Endpoint.ToString() : name;

    /// <summary>Whether <paramref name="silo"/> is an active member of this view.</summary>
    public bool Contains(SiloAddress silo) => _index.ContainsKey(silo);

    /// <summary>The record's holders, best score first (every active silo when there are no more than <paramref name="replicas"/>).</summary>
    public SiloAddress[] Holders(string database, string id, int replicas) =>
        [.. ReplicaPlacement.Choose(ReplicaPlacement.KeyHash(database, id), Hashes, replicas).Select(i => Silos[i])];
}
