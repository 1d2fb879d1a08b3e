using Microsoft.Extensions.DependencyInjection;
using MyNoSql.Grains.Mirror;

namespace MyNoSql.Grains.Placement;

/// <summary>
/// The databases of the whole cluster for <c>GET /dbs</c> under <c>--replicas N</c> (while <see cref="ReplicaSets.Active"/>):
/// no mirror holds every database (one with a single record lives on N mirrors), so every active mirror is asked for the
/// databases it holds records of, and the answers are merged. Any N−1 mirrors failing to answer cannot hide a database (each
/// record has N holders); when N or more fail the list may be incomplete and <see cref="ListAsync"/> says so.
/// </summary>
internal static class ClusterDatabases
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The sorted union of every active mirror's databases, with the mirrors that did not answer (each also reported to
    /// <paramref name="failed"/>), and whether the list is complete (fewer than N failed); null without replicas (this
    /// mirror's full copy lists them, as before).
    /// </summary>
    public static async Task<(string[] Databases, bool Complete)?> ListAsync(IServiceProvider services, Action<Exception, SiloAddress> failed,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetService<ReplicaSets>() is not { Active: true } sets) return null;
        var membership = services.GetRequiredService<IClusterMembershipService>();
        var mirrors = services.GetRequiredService<IMirrorServiceClient>();
        int failures = 0;
        var listings = await SiloFanOut.AskAsync(membership, silo => mirrors.For(silo).ListDatabases(cancellationToken), AskTimeout,
            (e, silo) =>
            {
                Interlocked.Increment(ref failures);
                failed(e, silo);
            }, cancellationToken).ConfigureAwait(false);
        string[] databases = [.. listings.OfType<string[]>().SelectMany(l => l).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        return (databases, failures < sets.Replicas);
    }
}
