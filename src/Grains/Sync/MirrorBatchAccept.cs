using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Mirror;
using MyNoSql.Grains.Records;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Index;
using Orleans.Storage;

namespace MyNoSql.Grains.Sync;

/// <summary>
/// A push's new records and conflict-free updates applied in one batch by the gateway's silo instead of one record grain each (activation, a
/// durable write, a replication message and an index call per record): the same accept rule (<see cref="LeafWire"/>
/// verification, <see cref="DocumentRules.Merge"/> under each key's lock in <see cref="ReplicaStore.MergeManyAsync"/>),
/// one durable batch write here (one sync per touched shard), one <see cref="IMirrorService.ApplyPushBatch"/> per other silo
/// (accepted only once a write quorum holds the whole batch), one <see cref="IIndexSegmentGrain.ApplyMany"/> per touched
/// segment. Taken for records with one leaf that this silo's store does not hold yet (sent whole) or that descends from the
/// only leaf it holds (whole, or relative and rebuilt against it: the initial and the incremental push), when grain state
/// lives in this silo's lzma-shards store; everything else (conflicts, several leaves, a missing base, invalid leaves) goes
/// through the record grains as before. An active record grain
/// re-reads when its key moved underneath it (RecordGrain.Freshness.cs); a grain's concurrent write is never lost (both
/// go through the key's lock, the grain's with its ETag check, the batch's as a merge).
/// </summary>
internal sealed partial class MirrorBatchAccept(IServiceProvider services, PushReplication replication, IGrainFactory grains,
    IOptions<MirrorGrainOptions> options, ILogger<MirrorBatchAccept> logger)
{
    private readonly ILogger<MirrorBatchAccept> _logger = logger;
    private readonly MirrorStoreHost? _host = services.GetService<MirrorStoreHost>();
    private readonly Placement.ReplicaSets? _placement = services.GetService<Placement.ReplicaSets>();
    private readonly bool _enabled = services.GetService<MirrorStoreHost>() is not null
        && services.GetKeyedService<IGrainStorage>(options.Value.StorageName) is LzmaShardGrainStorage;

    /// <summary>This silo's store when the record grains' state lives in it (lzma-shards); null otherwise.</summary>
    public Task<MirrorStore>? Store => _enabled ? _host?.Store : null;

    /// <summary>
    /// Accepts what it can of <paramref name="records"/> in one batch; one entry per record: its single leaf's status, or
    /// null when the record is left to the record grains (<see cref="ISyncBackend.AcceptAsync"/>, leaf by leaf).
    /// Returns once the batch is durable on a write quorum (or known not to be: <see cref="MergeStatus.QuorumUnavailable"/>).
    /// </summary>
    public async Task<MergeStatus?[]> AcceptAsync(string database, IReadOnlyList<SyncRecord> records, CancellationToken cancellationToken)
    {
        var statuses = new MergeStatus?[records.Count];
        if (!_enabled || _host is null || records.Count == 0) return statuses;
        // --replicas N: this silo may hold none of these records; each goes through its grain, placed on a holder.
        if (_placement is { Active: true }) return statuses;
        var store = await _host.Store;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var positions = new List<int>(records.Count);
        var items = new List<(string Id, RevisionLeaf Leaf)>(records.Count);
        var sent = new List<ReplicatedRevision>(records.Count);
        for (int i = 0; i < records.Count; i++)
        {
            var record = records[i];
            if (!seen.Add(record.Id) || record.Leaves.Length != 1) continue;
            var wire = record.Leaves[0];
            if (store.HoldsRecord(database, record.Id))
            {
                // An update: rebuilt against this copy when sent relative (delta sync), as RecordGrain.AcceptRelative does; a
                // base this copy lacks or a bad delta takes the grain path, which answers need_whole or invalid as before.
                var current = await store.ReadRecordAsync(database, record.Id, cancellationToken);
                if (current is not { Leaves.Count: 1 } || ReplicaAccept.TryRebuild(wire, current, out wire, out _) is not null) continue;
            }
            else if (wire.BaseRev is not null || wire.BodyIsDelta) continue;
            // Invalid leaves take the grain path, which rejects and logs them as before.
            if (!LeafWire.TryFromWire(wire, verify: true, out var leaf, out _, options.Value.MaxDocumentSize)) continue;
            items.Add((record.Id, leaf));
            sent.Add(wire);
            positions.Add(i);
        }
        if (items.Count == 0) return statuses;
        // Started, it finishes: the caller going away does not leave a half-published batch. Only what merges without a
        // conflict into what the key holds under its lock is taken; anything else (its grain wrote meanwhile, a branch) is
        // left to the grain path, which resolves conflicts by the merge policy.
        var merged = await store.MergeManyAsync(database, items, ConflictFree, CancellationToken.None);
        var taken = Enumerable.Range(0, items.Count).Where(k => merged[k].Result is not null).ToList();
        if (taken.Count == 0) return statuses;
        string[] ids = [.. taken.Select(k => items[k].Id)];
        ReplicatedRevision[] wires = [.. taken.Select(k => sent[k])];
        var replicated = replication.ReplicateAsync(database, ids, wires);
        await UpdateIndexAsync(database, ids, [.. taken.Select(k => merged[k].Stored)]);
        var (quorum, remoteConflicts, everyCopy) = await replicated;
        for (int t = 0; t < taken.Count; t++)
        {
            var local = merged[taken[t]].Result;
            statuses[positions[taken[t]]] = !quorum ? MergeStatus.QuorumUnavailable
                : local == MergeResult.Conflict || remoteConflicts[t] ? MergeStatus.Conflict
                : local == MergeResult.Accepted ? MergeStatus.Accepted
                : MergeStatus.AlreadyKnown;
        }
        // Another silo held a branch this one lacks: the record grain brings it here (read repair on activation), resolves
        // it by the database's merge policy if any and publishes, as when the grain had accepted the leaf itself. When a
        // silo did not store the batch in time, every record goes through its grain too: a grain already active on that
        // silo would otherwise serve its old state for an acknowledged push until anti-entropy reached its store.
        var repairs = Enumerable.Range(0, ids.Length).Where(t => quorum && (remoteConflicts[t] || !everyCopy)).ToList();
        await Task.WhenAll(repairs.Select(async k =>
        {
            try
            {
                await grains.GetGrain<IRecordGrain>(RecordKey.For(database, ids[k])).Accept(wires[k], CancellationToken.None);
            }
            catch (Exception e)
            {
                LogRepairFailed(e, database, ids[k]);
            }
        }));
        return statuses;
    }

    /// <summary>Whether <paramref name="leaf"/> merges into <paramref name="stored"/> without a conflict or another leaf: a new
    /// record, or a descendant of the only leaf it holds (a peer's next edit).</summary>
    internal static bool ConflictFree(DocumentRecord? stored, RevisionLeaf leaf) =>
        stored is null || (stored.Leaves.Count == 1 && stored.Winner.Rev != leaf.Rev && leaf.Knows(stored.Winner.Rev));

    /// <summary>One <see cref="IIndexSegmentGrain.ApplyMany"/> per touched segment, with each record's winner after the batch.
    /// A failure is logged, as the record grain's index update is: anti-entropy and the next change repair it.</summary>
    private async Task UpdateIndexAsync(string database, string[] ids, DocumentRecord?[] stored)
    {
        var bySegment = new Dictionary<int, List<IndexEntryInfo>>();
        for (int k = 0; k < ids.Length; k++)
        {
            if (stored[k] is not { } record) continue;
            int segment = IndexSegment.SegmentOf(ids[k]);
            if (!bySegment.TryGetValue(segment, out var list)) bySegment[segment] = list = [];
            list.Add(new IndexEntryInfo(ids[k], record.Winner.Rev.ToString(), record.Winner.Deleted, 0, record.LeavesTag));
        }
        await Task.WhenAll(bySegment.Select(async s =>
        {
            try
            {
                await grains.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(database, s.Key)).ApplyMany([.. s.Value]);
            }
            catch (Exception e)
            {
                LogIndexFailed(e, database, s.Key, s.Value.Count);
            }
        }));
    }

    [LoggerMessage(EventId = 2110, Level = LogLevel.Error, Message = "Index segment {Segment} of {Database}: updating {Count} pushed records failed")]
    private partial void LogIndexFailed(Exception error, string database, int segment, int count);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Warning, Message = "{Database}/{Id}: repairing a conflict another mirror reported for a pushed revision failed; anti-entropy will")]
    private partial void LogRepairFailed(Exception error, string database, string id);
}
