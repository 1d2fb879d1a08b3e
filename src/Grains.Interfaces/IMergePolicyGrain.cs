namespace MyNoSql.Grains;

/// <summary>
/// The merge policy of one database (keyed by the database name), cluster-wide: persisted with the mirror's grain
/// storage and copied to every mirror. Of two policies, the one with the newer stamp wins.
/// </summary>
[Alias("mynosql.IMergePolicyGrain")]
public interface IMergePolicyGrain : IGrainWithStringKey
{
    /// <summary>The policy held now (<see cref="MergePolicyInfo.None"/> when none was ever set).</summary>
    [Alias("Get")]
    Task<MergePolicyInfo> Get(CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="policy"/> unless the held one has a newer stamp (stamp 0: the mirror stamps it with its
    /// clock), copies it to every mirror, and returns the policy held afterwards.
    /// </summary>
    /// <exception cref="ArgumentException">A strategy name is unknown.</exception>
    [Alias("Put")]
    Task<MergePolicyInfo> Put(MergePolicyInfo policy, CancellationToken cancellationToken = default);
}
