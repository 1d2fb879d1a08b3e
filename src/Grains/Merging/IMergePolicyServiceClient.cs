using Orleans.Services;

namespace MyNoSql.Grains.Merging;

/// <summary>Reaches the <see cref="IMergePolicyService"/> of one specific silo.</summary>
internal interface IMergePolicyServiceClient : IGrainServiceClient<IMergePolicyService>
{
    /// <summary>The merge policy service of <paramref name="silo"/>.</summary>
    IMergePolicyService For(SiloAddress silo);
}
