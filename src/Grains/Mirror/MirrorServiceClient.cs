using Orleans.Runtime.Services;

namespace MyNoSql.Grains.Mirror;

/// <inheritdoc cref="IMirrorServiceClient"/>
internal sealed class MirrorServiceClient(IServiceProvider services) : GrainServiceClient<IMirrorService>(services), IMirrorServiceClient
{
    public IMirrorService For(SiloAddress silo) => GetGrainService(silo);
}
