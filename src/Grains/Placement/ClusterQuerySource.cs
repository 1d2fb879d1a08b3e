using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Index;
using MyNoSql.Storage.Query;

namespace MyNoSql.Grains.Placement;

/// <summary>
/// Queries under <c>--replicas N</c> (while <see cref="ReplicaSets.Active"/>): no silo holds the whole database, so a
/// query reads the cluster-wide index segments (every live id of the database, rebuilt from every silo's copy) and each
/// candidate's winner through its record grain (which runs on a holder). No secondary index is used: the planner answers
/// with a full scan, correct but slower than the per-silo indexes of full-copy mirrors (see Placement/README.md).
/// </summary>
internal sealed class ClusterQuerySource : IQuerySource
{
    private const int PageSize = 5000;
    private readonly IGrainFactory _grains;
    private readonly string _database;
    private readonly string[] _ids;

    private ClusterQuerySource(IGrainFactory grains, string database, string[] ids)
    {
        _grains = grains;
        _database = database;
        _ids = ids;
    }

    public string Context => $"database '{_database}'";

    public IReadOnlyList<ISecondaryIndex> Indexes => [];

    /// <summary>A source over every live id of <paramref name="database"/> now.</summary>
    public static async Task<ClusterQuerySource> LoadAsync(IGrainFactory grains, string database, CancellationToken cancellationToken) =>
        new(grains, database, await LiveIdsAsync(grains, database, cancellationToken).ConfigureAwait(false));

    /// <summary>Every live id of <paramref name="database"/>, in ordinal order, from its 64 index segments.</summary>
    public static async Task<string[]> LiveIdsAsync(IGrainFactory grains, string database, CancellationToken cancellationToken)
    {
        var pages = await Task.WhenAll(Enumerable.Range(0, IndexSegment.Count).Select(async segment =>
        {
            var grain = grains.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(database, segment));
            var ids = new List<string>();
            string? after = null;
            while (true)
            {
                var page = await grain.ListIds("", after, PageSize, cancellationToken).ConfigureAwait(false);
                ids.AddRange(page.Ids);
                if (!page.HasMore || page.Ids.Length == 0) return ids;
                after = page.Ids[^1];
            }
        })).ConfigureAwait(false);
        var all = pages.SelectMany(p => p).ToArray();
        Array.Sort(all, StringComparer.Ordinal);
        return all;
    }

    public IEnumerable<string> LiveIds(string? after)
    {
        int start = 0;
        if (after is not null)
        {
            int at = Array.BinarySearch(_ids, after, StringComparer.Ordinal);
            start = at >= 0 ? at + 1 : ~at;
        }
        for (int i = start; i < _ids.Length; i++) yield return _ids[i];
    }

    public async ValueTask<LiveDocument> ReadLiveAsync(string id, CancellationToken cancellationToken)
    {
        var reply = await _grains.GetGrain<IRecordGrain>(RecordKey.For(_database, id)).Read(cancellationToken).ConfigureAwait(false);
        return reply is null ? default : new LiveDocument(DocumentCodec.ParseComposed(reply.Json), 0);
    }
}
