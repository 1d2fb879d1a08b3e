using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MyNoSql.Grains.Placement;

/// <summary>Adds the replica-set services of <c>--replicas N</c> (DESIGN §12) to a silo.</summary>
internal static class ReplicaRegistration
{
    /// <summary>
    /// Always: <see cref="ReplicaSets"/> (inactive without the option) and the start-up <see cref="ReplicaFactorCheck"/> (a
    /// mirror without the option must not join a cluster with it either). With <paramref name="replicas"/> &gt; 0 only: the
    /// placement director that activates record grains on their holders (replacing Orleans' prefer-local director for
    /// prefer-local grains, which it places as before) and the <see cref="Rebalancer"/>.
    /// </summary>
    public static void Add(IServiceCollection services, int replicas)
    {
        services.TryAddSingleton<ReplicaSets>();
        services.TryAddSingleton<ReplicaFactorCheck>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ReplicaFactorCheck>());
        if (replicas <= 0) return;
        services.AddPlacementDirector<Orleans.Runtime.PreferLocalPlacement, ReplicaPlacementDirector>();
        services.TryAddSingleton<ClusterSettlement>();
        services.TryAddSingleton<Rebalancer>();
        services.TryAddSingleton<ReplicaDigests>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<Rebalancer>());
    }
}
