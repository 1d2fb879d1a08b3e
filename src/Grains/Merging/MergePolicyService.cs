using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MyNoSql.Grains.Merging;

/// <summary><see cref="IMergePolicyService"/>: one per silo, in front of this silo's <see cref="MergePolicies"/>.</summary>
internal sealed class MergePolicyService : GrainService, IMergePolicyService
{
    private readonly MergePolicies _policies;

    public MergePolicyService(GrainId grainId, Silo silo, ILoggerFactory loggerFactory, IServiceProvider services)
        : base(grainId, silo, loggerFactory)
    {
        _policies = services.GetRequiredService<MergePolicies>();
    }

    public Task<MergePolicyInfo> GetKnown(string database, CancellationToken cancellationToken = default) =>
        _policies.KnownAsync(database, cancellationToken);

    public Task Apply(string database, MergePolicyInfo policy, CancellationToken cancellationToken = default) =>
        _policies.ApplyAsync(database, policy, cancellationToken);
}
