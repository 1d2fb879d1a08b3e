using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Mirror;

namespace MyNoSql.Grains.Sync;

/// <summary>
/// Replicates a batched push (<see cref="MirrorBatchAccept"/>) in one <see cref="IMirrorService.ApplyPushBatch"/> message
/// per other active silo. Every active silo is waited for (up to the replication timeout), not only a quorum: these
/// records' grains did not take part, and a grain active on a silo re-reads only once that silo's copy moved
/// (RecordGrain.Freshness.cs), so an acknowledged push must be in every reachable copy. The quorum
/// (<see cref="Replicator.AcksNeeded"/>) alone decides whether it is acknowledged.
/// </summary>
internal sealed partial class PushReplication(Replicator replicator, IMirrorServiceClient mirrors, IOptions<MirrorGrainOptions> options,
    ILogger<PushReplication> logger)
{
    private readonly ILogger<PushReplication> _logger = logger;

    /// <summary>Quorum: a write quorum (this silo included) holds the whole batch. <c>Conflicts</c>[i]: an acknowledging
    /// silo stored revision i as a conflict (it holds a branch this silo lacks). <c>All</c>: every other active silo
    /// stored the whole batch in time.</summary>
    public async Task<(bool Quorum, bool[] Conflicts, bool All)> ReplicateAsync(string database, string[] ids, ReplicatedRevision[] revisions)
    {
        var conflicts = new bool[ids.Length];
        if (!replicator.Enabled || ids.Length == 0) return (true, conflicts, true);
        var others = replicator.OtherActiveSilos();
        if (others.Length == 0) return (true, conflicts, true);
        int needed = replicator.AcksNeeded(others.Length);
        // A failed send is retried while its silo is active, until the timeout; the timeout only stops the wait and the
        // retries, calls already made finish in the background. Never faults.
        using var stop = new CancellationTokenSource(options.Value.ReplicationTimeout);
        var sends = others.Select(s => replicator.SendWhileActiveAsync(s, () => SendAsync(s, database, ids, revisions), stop.Token)).ToList();
        await Task.WhenAny(Task.WhenAll(sends), Task.Delay(Timeout.Infinite, stop.Token)).ConfigureAwait(true);
        int acks = 0;
        foreach (var send in sends)
        {
            // An acknowledgement is a silo that stored every revision (not one that answered invalid or need_whole).
            if (!send.IsCompletedSuccessfully || send.Result is not { } statuses || statuses.Length != ids.Length
                || !statuses.All(Replicator.Stored)) continue;
            acks++;
            for (int i = 0; i < statuses.Length && i < conflicts.Length; i++) conflicts[i] |= statuses[i] == MergeStatus.Conflict;
        }
        if (acks < needed) LogQuorumMissed(database, ids.Length, acks, needed);
        return (acks >= needed, conflicts, acks == others.Length);
    }

    private async Task<MergeStatus[]> SendAsync(SiloAddress silo, string database, string[] ids, ReplicatedRevision[] revisions)
    {
        try
        {
            return await mirrors.For(silo).ApplyPushBatch(database, ids, revisions).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogSendFailed(e, database, ids.Length, silo);
            throw;
        }
    }

    [LoggerMessage(EventId = 2112, Level = LogLevel.Warning, Message = "Replicating a pushed batch of {Count} revisions of {Database} to {Silo} failed; retried while it is an active member, else anti-entropy repairs it")]
    private partial void LogSendFailed(Exception error, string database, int count, SiloAddress silo);

    [LoggerMessage(EventId = 2113, Level = LogLevel.Warning, Message = "Write quorum missed for a pushed batch of {Count} revisions of {Database}: {Acks} of {Needed} other mirrors acknowledged in time")]
    private partial void LogQuorumMissed(string database, int count, int acks, int needed);
}
