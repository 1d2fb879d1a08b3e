using Orleans.Services;

namespace MyNoSql.Grains.Locks;

/// <summary>Reaches the <see cref="ILockService"/> of one specific silo.</summary>
internal interface ILockServiceClient : IGrainServiceClient<ILockService>
{
    /// <summary>The lock service of <paramref name="silo"/>.</summary>
    ILockService For(SiloAddress silo);
}
