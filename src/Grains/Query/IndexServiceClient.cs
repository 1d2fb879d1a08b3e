using Orleans.Runtime.Services;

namespace MyNoSql.Grains.Query;

/// <inheritdoc cref="IIndexServiceClient"/>
internal sealed class IndexServiceClient(IServiceProvider services) : GrainServiceClient<IIndexService>(services), IIndexServiceClient
{
    public IIndexService For(SiloAddress silo) => GetGrainService(silo);
}
