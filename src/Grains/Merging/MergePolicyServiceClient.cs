using Orleans.Runtime.Services;

namespace MyNoSql.Grains.Merging;

/// <inheritdoc cref="IMergePolicyServiceClient"/>
internal sealed class MergePolicyServiceClient(IServiceProvider services) : GrainServiceClient<IMergePolicyService>(services), IMergePolicyServiceClient
{
    public IMergePolicyService For(SiloAddress silo) => GetGrainService(silo);
}
