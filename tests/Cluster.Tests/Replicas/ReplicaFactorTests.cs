using MyNoSql.Cluster.Tests.Support;

namespace MyNoSql.Cluster.Tests.Replicas;

/// <summary>
/// One replication factor per cluster (DESIGN §12): a mirror started with another <c>--replicas</c> than the running
/// cluster's refuses to join (exit code 2, both values named) instead of joining with a different placement, which made
/// the mirrors copy and drop the same records forever; a mirror with the cluster's value still joins.
/// </summary>
public sealed class ReplicaFactorTests
{
    [Fact]
    public async Task A_mirror_with_another_replication_factor_is_refused_and_one_with_the_same_joins()
    {
        await using var cluster = new ProcessCluster(3, adoNet: false, "--replicas", "2");
        cluster.MirrorExtra[1] = ["--replicas", "3"]; // the last value given wins
        await cluster.StartMirror(0).WaitHealthyAsync(cluster.Http, TimeSpan.FromSeconds(180));

        var refused = cluster.StartMirror(1);
        Assert.Equal(2, await refused.WaitForExitAsync(TimeSpan.FromSeconds(180)));
        Assert.Contains("--replicas 3 differs from the cluster's --replicas 2", refused.Output, StringComparison.Ordinal);

        await cluster.StartMirror(2).WaitHealthyAsync(cluster.Http, TimeSpan.FromSeconds(180));
        await cluster.WaitForMirrorsAsync(2, TimeSpan.FromSeconds(60)); // the refused mirror is not a member
    }
}
