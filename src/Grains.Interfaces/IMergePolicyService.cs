using Orleans.Services;

namespace MyNoSql.Grains;

/// <summary>
/// The per-silo keeper of the merge policies (one instance on every silo, reached by silo address): each mirror keeps
/// the newest policy of every database it was told on its own disk, so the cluster-wide <see cref="IMergePolicyGrain"/>
/// finds it again wherever it activates, and its record grains resolve conflicts without asking the cluster.
/// </summary>
[Alias("mynosql.IMergePolicyService")]
public interface IMergePolicyService : IGrainService
{
    /// <summary>The policy of <paramref name="database"/> this silo holds (<see cref="MergePolicyInfo.None"/> when none).</summary>
    [Alias("GetKnown")]
    Task<MergePolicyInfo> GetKnown(string database, CancellationToken cancellationToken = default);

    /// <summary>Keeps <paramref name="policy"/> (durably) unless this silo holds one with a newer stamp.</summary>
    [Alias("Apply")]
    Task Apply(string database, MergePolicyInfo policy, CancellationToken cancellationToken = default);
}
