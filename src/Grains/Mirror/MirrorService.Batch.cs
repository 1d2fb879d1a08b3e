using MyNoSql.Grains.Records;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Grains.Mirror;

internal sealed partial class MirrorService
{
    public async Task<MergeStatus[]> ApplyPushBatch(string database, string[] ids, ReplicatedRevision[] revisions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(revisions);
        if (ids.Length != revisions.Length) throw new ArgumentException($"{revisions.Length} revisions for {ids.Length} ids.", nameof(revisions));
        var statuses = new MergeStatus[ids.Length];
        if (_host is null)
        {
            Array.Fill(statuses, MergeStatus.AlreadyKnown);
            return statuses;
        }
        bool validDatabase = DatabaseName.IsValid(database);
        var items = new List<(string Id, RevisionLeaf Leaf)>(ids.Length);
        var positions = new List<int>(ids.Length);
        for (int i = 0; i < ids.Length; i++)
        {
            if (!validDatabase || string.IsNullOrEmpty(ids[i]) || !LeafWire.TryFromWire(revisions[i], verify: false, out var leaf, out _))
            {
                LogRejected(database, ids[i] ?? "", "malformed revision");
                statuses[i] = MergeStatus.Invalid;
                continue;
            }
            items.Add((ids[i], leaf));
            positions.Add(i);
        }
        var store = await _host.Store;
        var merged = await store.MergeManyAsync(database, items, cancellationToken: cancellationToken);
        for (int k = 0; k < merged.Length; k++)
        {
            if (merged[k].Result != MergeResult.AlreadyKnown) _repair?.Note(database, items[k].Leaf.Body);
            statuses[positions[k]] = merged[k].Result switch
            {
                MergeResult.Accepted => MergeStatus.Accepted,
                MergeResult.Conflict => MergeStatus.Conflict,
                _ => MergeStatus.AlreadyKnown,
            };
        }
        return statuses;
    }
}
