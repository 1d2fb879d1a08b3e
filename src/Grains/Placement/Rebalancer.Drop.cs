using MyNoSql.Grains.Records;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Index;

namespace MyNoSql.Grains.Placement;

/// <summary>
/// The second half of a rebalancing pass: this silo drops its copy of each record whose replica set no longer includes it,
/// once every one of the record's N holders confirmed it holds the same leaves (its index segment lists the same winner
/// and other leaves) or stored them when sent. A copy that changed meanwhile is kept (for the next pass).
/// </summary>
internal sealed partial class Rebalancer
{
    /// <summary>Drops what it can; returns the copies this silo no longer holds that it kept (to be swept again).</summary>
    private async Task<long> DropCopiesAsync(MirrorStore store, ReplicaView view, CancellationToken cancellationToken)
    {
        int replicas = sets.Replicas;
        if (view.Count <= replicas || !view.Contains(sets.Local)) return 0; // every silo holds everything
        long dropped = 0, kept = 0;
        foreach (var database in store.Index.Databases())
        {
            for (int segment = 0; segment < IndexSegment.Count; segment++)
            {
                var theirs = new Dictionary<SiloAddress, Dictionary<string, IndexEntryInfo>?>();
                foreach (var entry in store.Index.RawEntries(database, segment))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var holders = view.Holders(database, entry.Id, replicas);
                    if (Array.IndexOf(holders, sets.Local) >= 0) continue;
                    string key = MirrorKeys.Record(database, entry.Id);
                    DocumentRecord? record;
                    ulong version;
                    try
                    {
                        (record, version) = await store.Replica.ReadVersionAsync(key, entry.Id, cancellationToken).ConfigureAwait(false);
                    }
                    catch (CorruptDataException e)
                    {
                        // Kept for a later pass: anti-entropy rewrites the noted copy from its holders, then it can go.
                        store.NoteDamage(key, e);
                        kept++;
                        continue;
                    }
                    if (record is null) continue;
                    bool confirmed = true;
                    foreach (var holder in holders)
                    {
                        if (!theirs.TryGetValue(holder, out var listed)) theirs[holder] = listed = await SegmentOfAsync(holder, database, segment, cancellationToken).ConfigureAwait(false);
                        if (listed is not null && listed.TryGetValue(entry.Id, out var e) && e.Rev == record.Winner.Rev.ToString()
                            && e.Deleted == record.Winner.Deleted && e.Conflicts == record.LeavesTag) continue;
                        List<ReplicatedRecord> leaves = [.. LeafWire.ToWire(record).Select(leaf => new ReplicatedRecord(database, entry.Id, leaf))];
                        if (await SendAsync(holder, leaves, cancellationToken).ConfigureAwait(false)) continue;
                        confirmed = false;
                        break;
                    }
                    if (confirmed && await store.DropCopyAsync(database, entry.Id, version, cancellationToken).ConfigureAwait(false)) dropped++;
                    else kept++;
                }
            }
        }
        RebalanceMetrics.Dropped.Add(dropped);
        if (dropped > 0) LogDropped(dropped);
        return kept;
    }

    private async Task<Dictionary<string, IndexEntryInfo>?> SegmentOfAsync(SiloAddress silo, string database, int segment, CancellationToken cancellationToken)
    {
        try
        {
            var entries = await mirrors.For(silo).GetSegment(database, segment, cancellationToken).ConfigureAwait(false);
            return entries.ToDictionary(e => e.Id, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogSendFailed(e, 0, silo);
            return null;
        }
    }

    [Microsoft.Extensions.Logging.LoggerMessage(EventId = 3504, Level = Microsoft.Extensions.Logging.LogLevel.Information,
        Message = "Rebalancing dropped {Records} copies this mirror no longer holds (their holders confirmed theirs)")]
    private partial void LogDropped(long records);
}
