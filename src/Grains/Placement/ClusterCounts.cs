using Microsoft.Extensions.DependencyInjection;
using MyNoSql.Storage.Index;

namespace MyNoSql.Grains.Placement;

/// <summary>
/// A database's record counts for <c>GET /db/{db}</c> under <c>--replicas N</c> (while <see cref="ReplicaSets.Active"/>):
/// no mirror holds the whole database, so the counts come from the cluster-wide index segments instead of this
/// mirror's copy. Null without the option (this mirror's full copy counts, as before).
/// </summary>
internal static class ClusterCounts
{
    public static async Task<(long Live, long Deleted)?> CountAsync(IServiceProvider services, string database, CancellationToken cancellationToken)
    {
        if (services.GetService<ReplicaSets>() is not { Active: true }) return null;
        var grains = services.GetRequiredService<IGrainFactory>();
        var digests = await Task.WhenAll(Enumerable.Range(0, IndexSegment.Count)
            .Select(s => grains.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(database, s)).GetDigest(cancellationToken).AsTask())).ConfigureAwait(false);
        long live = (await ClusterQuerySource.LiveIdsAsync(grains, database, cancellationToken).ConfigureAwait(false)).Length;
        return (live, Math.Max(0, digests.Sum(d => (long)d.Count) - live));
    }
}
