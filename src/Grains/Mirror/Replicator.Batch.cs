using Microsoft.Extensions.Logging;

namespace MyNoSql.Grains.Mirror;

internal sealed partial class Replicator
{
    /// <summary>
    /// Replicates many records' revisions in one <see cref="IMirrorService.ApplyBatch"/> message per other active silo
    /// (a push applied in a batch); the batch counts for a silo once all of it is durable there. Quorum: true once a write
    /// quorum (this silo included) holds the whole batch; it returns once every active silo answered or the replication timeout passed. <c>Conflicts</c>[i]: an acknowledging silo stored revision i as a
    /// conflict (it holds a branch this silo lacks).
    /// </summary>
    public async Task<(bool Quorum, bool[] Conflicts)> ReplicateBatchAsync(string database, string[] ids, ReplicatedRevision[] revisions)
    {
        var conflicts = new bool[ids.Length];
        if (!Enabled || ids.Length == 0) return (true, conflicts);
        var others = OtherActiveSilos();
        if (others.Length == 0) return (true, conflicts);
        int needed = AcksNeeded(others.Length);
        // Every active silo is waited for (up to the replication timeout), not only a quorum: these records' grains did not
        // take part, and a grain active on a silo re-reads only once that silo's copy moved (RecordGrain.Freshness.cs), so
        // an acknowledged push must be in every reachable copy. The quorum alone decides whether it is acknowledged.
        var results = await FirstAsync(others.Select(s => SendBatchAsync(s, database, ids, revisions)), others.Length).ConfigureAwait(true);
        int acks = 0;
        foreach (var statuses in results.OfType<MergeStatus[]>())
        {
            acks++;
            for (int i = 0; i < statuses.Length && i < conflicts.Length; i++) conflicts[i] |= statuses[i] == MergeStatus.Conflict;
        }
        if (acks < needed) LogBatchQuorumMissed(database, ids.Length, acks, needed);
        return (acks >= needed, conflicts);
    }

    private async Task<MergeStatus[]?> SendBatchAsync(SiloAddress silo, string database, string[] ids, ReplicatedRevision[] revisions)
    {
        try
        {
            return await mirrors.For(silo).ApplyBatch(database, ids, revisions).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogBatchSendFailed(e, database, ids.Length, silo);
            return null;
        }
    }

    [LoggerMessage(EventId = 2013, Level = LogLevel.Warning, Message = "Replicating a batch of {Count} revisions of {Database} to {Silo} failed; anti-entropy will repair it")]
    private partial void LogBatchSendFailed(Exception error, string database, int count, SiloAddress silo);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Warning, Message = "Write quorum missed for a batch of {Count} revisions of {Database}: {Acks} of {Needed} other mirrors acknowledged in time")]
    private partial void LogBatchQuorumMissed(string database, int count, int acks, int needed);
}
