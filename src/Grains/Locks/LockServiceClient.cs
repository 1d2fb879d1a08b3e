using Orleans.Runtime.Services;

namespace MyNoSql.Grains.Locks;

/// <inheritdoc cref="ILockServiceClient"/>
internal sealed class LockServiceClient(IServiceProvider services) : GrainServiceClient<ILockService>(services), ILockServiceClient
{
    public ILockService For(SiloAddress silo) => GetGrainService(silo);
}
