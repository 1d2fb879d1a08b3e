using MyNoSql.Grains.Storage;
using Orleans.Runtime.Placement;

namespace MyNoSql.Grains.Placement;

/// <summary>
/// Placement of prefer-local grains when <c>--replicas</c> is set (registered only then, replacing Orleans' prefer-local
/// director): a record grain activates on one of its holders (this silo when it is one, else the best-scored compatible
/// holder), so its durable write lands where the record belongs and a gateway that does not hold the record reaches a
/// holder with one hop. Every other grain, and every record while there are no more silos than replicas, is placed as
/// Orleans' prefer-local placement does: on this silo when it is active and compatible, else on a random compatible silo.
/// </summary>
internal sealed class ReplicaPlacementDirector(ReplicaSets sets) : IPlacementDirector
{
    private static readonly GrainType RecordType = GrainType.Create(MirrorKeys.RecordGrainType);

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        if (target.GrainIdentity.Type.Equals(RecordType) && sets.Active)
        {
            var (database, id) = RecordKey.Split(target.GrainIdentity.Key.ToString()!);
            var holders = sets.Holders(database, id);
            if (Array.IndexOf(holders, context.LocalSilo) >= 0 && context.LocalSiloStatus == SiloStatus.Active
                && Array.IndexOf(compatible, context.LocalSilo) >= 0)
                return Task.FromResult(context.LocalSilo);
            foreach (var holder in holders)
                if (Array.IndexOf(compatible, holder) >= 0) return Task.FromResult(holder);
        }
        if (context.LocalSiloStatus == SiloStatus.Active && Array.IndexOf(compatible, context.LocalSilo) >= 0)
            return Task.FromResult(context.LocalSilo);
        return Task.FromResult(compatible[Random.Shared.Next(compatible.Length)]);
    }
}
