using Microsoft.Extensions.Options;

namespace MyNoSql.Grains.Placement;

/// <summary>
/// Which mirrors hold which records under <c>--replicas N</c> (DESIGN §12), from Orleans' cluster membership: a record's
/// replica set is the top N active silos by rendezvous hashing (<see cref="ReplicaPlacement"/>). <see cref="Active"/>
/// is false without the option and while there are no more active silos than N: then every silo holds everything and
/// every caller keeps the full-copy path unchanged.
/// </summary>
internal sealed class ReplicaSets(IClusterMembershipService membership, ILocalSiloDetails local, IOptions<MirrorGrainOptions> options)
{
    private ReplicaView? _view;
    private volatile StableMark? _stable;

    private sealed record StableMark(MembershipVersion Version, long Since);

    /// <summary>Copies per record; 0 = every mirror keeps everything.</summary>
    public int Replicas => options.Value.Replicas;

    /// <summary>This silo's address.</summary>
    public SiloAddress Local => local.SiloAddress;

    /// <summary>The live mirrors now (cached per membership version).</summary>
    public ReplicaView Current
    {
        get
        {
            var snapshot = membership.CurrentSnapshot;
            var view = _view;
            if (view is null || view.Version != snapshot.Version)
            {
                view = new ReplicaView(snapshot.Version, snapshot.Members.Values);
                _view = view;
            }
            return view;
        }
    }

    /// <summary>True when records are placed on N of more than N active silos.</summary>
    public bool Active => Replicas > 0 && Current.Count > Replicas;

    /// <summary>
    /// Whether every active mirror settled the current view (<see cref="ClusterSettlement"/>) at least a grace period ago
    /// (the anti-entropy interval, at most 5 s: one round repairs a holder whose sender missed a revision other holders
    /// had). While not, a new holder may lack a record it holds by placement, so record grains read every mirror
    /// (<see cref="Mirror.Replicator.ReadOthersAsync"/>). Always false until the first check passed.
    /// </summary>
    public bool Stable => !Settling && _stable is { } s && s.Version.Equals(membership.CurrentSnapshot.Version)
        && System.Diagnostics.Stopwatch.GetElapsedTime(s.Since) >= StableGrace;

    private TimeSpan StableGrace => options.Value.AntiEntropyInterval < TimeSpan.FromSeconds(5) ? options.Value.AntiEntropyInterval : TimeSpan.FromSeconds(5);

    /// <summary>Tests: behave as during a membership change (<see cref="Stable"/> false) while set.</summary>
    internal bool Settling { get; set; }

    /// <summary>Whether <paramref name="version"/> was already found settled by every mirror.</summary>
    public bool IsStableVersion(MembershipVersion version) => _stable is { } s && s.Version.Equals(version);

    /// <summary>Records that every active mirror settled the view of <paramref name="version"/>.</summary>
    public void MarkStable(MembershipVersion version) => _stable = new StableMark(version, System.Diagnostics.Stopwatch.GetTimestamp());

    /// <summary>A record's holders now, best first.</summary>
    public SiloAddress[] Holders(string database, string id) => Current.Holders(database, id, Replicas);

    /// <summary>Whether this silo holds the record now.</summary>
    public bool HoldsLocally(string database, string id) => Array.IndexOf(Holders(database, id), Local) >= 0;

    /// <summary>Holders (this silo included) a write must be durable on: a majority of N, or the write quorum when set (at most N).</summary>
    public int WriteQuorum => WriteQuorumOf(Replicas, options.Value.WriteQuorum);

    /// <summary>Holders a read must hear from so that it meets every acknowledged write (R + W > N).</summary>
    public int ReadQuorum => ReadQuorumOf(Replicas, WriteQuorum);

    /// <summary>The write quorum of <paramref name="replicas"/> holders: <paramref name="configured"/> (at most N) or a majority.</summary>
    public static int WriteQuorumOf(int replicas, int configured) => configured > 0 ? Math.Min(configured, replicas) : replicas / 2 + 1;

    /// <summary>The read quorum that meets every write acknowledged by <paramref name="writeQuorum"/> of <paramref name="replicas"/>.</summary>
    public static int ReadQuorumOf(int replicas, int writeQuorum) => replicas - writeQuorum + 1;
}
