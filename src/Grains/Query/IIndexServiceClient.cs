using Orleans.Services;

namespace MyNoSql.Grains.Query;

/// <summary>Reaches the <see cref="IIndexService"/> of one specific silo.</summary>
internal interface IIndexServiceClient : IGrainServiceClient<IIndexService>
{
    /// <summary>The index service of <paramref name="silo"/>.</summary>
    IIndexService For(SiloAddress silo);
}
