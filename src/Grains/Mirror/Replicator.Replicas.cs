using MyNoSql.Grains.Placement;

namespace MyNoSql.Grains.Mirror;

/// <summary>
/// Replication under <c>--replicas N</c> (DESIGN §12; only while <see cref="ReplicaSets.Active"/>): each revision goes
/// to the other holders of its record, and is acknowledged once a majority of the N holders (this silo counted when it
/// is one) holds it durably. A silo that is not a holder (its grain activated before a membership change) still writes
/// its own copy, which counts for nothing; the rebalancer drops such copies later.
/// </summary>
internal sealed partial class Replicator
{
    private async Task<bool[]> ReplicateToHoldersAsync(ReplicaSets sets, IReadOnlyList<ReplicatedRecord> records)
    {
        var acked = new bool[records.Count];
        var needed = new int[records.Count];
        var waits = new Task<List<bool>>[records.Count];
        // As the full-copy path: one token for the deadline and the end of the wait; a failed send is retried while its
        // holder is an active member, until a quorum answered.
        using var cancel = new CancellationTokenSource(_options.Value.ReplicationTimeout);
        var deadline = Task.Delay(Timeout.Infinite, cancel.Token);
        for (int i = 0; i < records.Count; i++)
        {
            var record = records[i];
            var holders = sets.Holders(record.Database, record.Id);
            bool self = Array.IndexOf(holders, _local.SiloAddress) >= 0;
            needed[i] = sets.WriteQuorum - (self ? 1 : 0);
            var sends = holders.Where(h => !h.Equals(_local.SiloAddress))
                .Select(h => StoredAt(SendWhileActiveAsync(h, async () => new[] { await _applies.SendAsync(h, record).ConfigureAwait(false) }, cancel.Token), 0))
                .ToArray();
            waits[i] = FirstAsync(sends, needed[i], deadline);
        }
        await Task.WhenAll(waits).ConfigureAwait(true);
        await cancel.CancelAsync().ConfigureAwait(true);
        for (int i = 0; i < records.Count; i++)
        {
            int acks = waits[i].Result.Count(ok => ok);
            acked[i] = acks >= needed[i];
            if (!acked[i]) LogQuorumMissed(records[i].Database, records[i].Id, records[i].Revision.Rev, acks, needed[i]);
        }
        return acked;
    }

    /// <summary>The leaves the other holders of a record hold, from at least a read quorum of the N (this silo counted when it is one).</summary>
    private async Task<IReadOnlyList<ReplicatedRevision[]>> ReadHoldersAsync(ReplicaSets sets, string database, string id)
    {
        var holders = sets.Holders(database, id);
        bool self = Array.IndexOf(holders, _local.SiloAddress) >= 0;
        var others = holders.Where(h => !h.Equals(_local.SiloAddress)).ToArray();
        int needed = Math.Min(others.Length, sets.ReadQuorum - (self ? 1 : 0));
        return await ReadFromAsync(others, needed, new RecordRef(database, id)).ConfigureAwait(true);
    }
}
