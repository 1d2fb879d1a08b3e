namespace MyNoSql.Grains.Placement;

/// <summary>
/// A mirror was started with a <c>--replicas</c> that differs from the one the running cluster uses (DESIGN §12): it
/// refuses to join, since two replication factors place records on different sets and the mirrors would copy and drop
/// the same records forever. The host exits with code 2 on it, like on any other bad option.
/// </summary>
internal sealed class ReplicaFactorMismatchException(int local, int cluster, string mirror)
    : Exception($"--replicas {Describe(local)} differs from the cluster's --replicas {Describe(cluster)} (mirror {mirror}): every mirror "
        + $"of a cluster must run with the same value. Start this mirror with --replicas {cluster}; to change the replication factor, "
        + "stop every mirror and start them all with the new value.")
{
    /// <summary>This mirror's <c>--replicas</c>.</summary>
    public int Local { get; } = local;

    /// <summary>The running cluster's <c>--replicas</c>.</summary>
    public int Cluster { get; } = cluster;

    private static string Describe(int replicas) => replicas > 0 ? replicas.ToString(System.Globalization.CultureInfo.InvariantCulture) : "0 (full copies)";
}
