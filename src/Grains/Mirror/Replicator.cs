using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MyNoSql.Grains.Mirror;

/// <summary>
/// Sends a record's new revisions to the other active silos and waits for a write quorum (DESIGN §5); the rest
/// finish in the background. Also reads the other silos' copies when a record grain activates, so an
/// activation on a silo that missed a background write still sees every acknowledged revision (R + W > N).
/// </summary>
internal sealed partial class Replicator(
    IClusterMembershipService membership,
    ILocalSiloDetails local,
    IMirrorServiceClient mirrors,
    IOptions<MirrorGrainOptions> options,
    ILogger<Replicator> logger)
{
    public bool Enabled => options.Value.Replicate;

    public SiloAddress[] OtherActiveSilos() => [.. membership.CurrentSnapshot.Members.Values
        .Where(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(local.SiloAddress))
        .Select(m => m.SiloAddress)];

    /// <summary>Acknowledgements needed from other silos when <paramref name="others"/> other silos are active.</summary>
    public int AcksNeeded(int others)
    {
        int active = others + 1;
        int quorum = options.Value.WriteQuorum > 0 ? Math.Min(options.Value.WriteQuorum, active) : active / 2 + 1;
        return quorum - 1;
    }

    /// <summary>Replicates one revision; true once a write quorum (this silo included) holds it durably.</summary>
    public async Task<bool> ReplicateAsync(string database, string id, ReplicatedRevision revision)
    {
        if (!Enabled) return true;
        var others = OtherActiveSilos();
        if (others.Length == 0) return true;
        int needed = AcksNeeded(others.Length);
        var results = await FirstAsync(others.Select(s => SendAsync(s, database, id, revision)), needed).ConfigureAwait(true);
        int acks = results.Count(ok => ok);
        if (acks < needed) LogQuorumMissed(database, id, revision.Rev, acks, needed);
        return acks >= needed;
    }

    /// <summary>The leaves the other silos hold for a record, from at least a read quorum of them when reachable.</summary>
    public async Task<IReadOnlyList<ReplicatedRevision[]>> ReadOthersAsync(string database, string id)
    {
        if (!Enabled) return [];
        var others = OtherActiveSilos();
        if (others.Length == 0) return [];
        var results = await FirstAsync(others.Select(s => FetchAsync(s, database, id)), AcksNeeded(others.Length)).ConfigureAwait(true);
        return [.. results.OfType<ReplicatedRevision[]>()];
    }

    /// <summary>
    /// Waits until <paramref name="wanted"/> tasks produced a useful result (true / non-null), all finished, or the
    /// replication timeout passed; returns the results finished by then. The tasks never fault.
    /// </summary>
    private async Task<List<T>> FirstAsync<T>(IEnumerable<Task<T>> tasks, int wanted)
    {
        var remaining = tasks.ToList();
        var finished = new List<T>(remaining.Count);
        int useful = 0;
        using var cancel = new CancellationTokenSource();
        var deadline = Task.Delay(options.Value.ReplicationTimeout, cancel.Token);
        while (remaining.Count > 0 && useful < wanted)
        {
            var done = await Task.WhenAny(remaining.Append<Task>(deadline)).ConfigureAwait(true);
            if (done == deadline) break;
            var task = (Task<T>)done;
            remaining.Remove(task);
            finished.Add(task.Result);
            if (task.Result is true || task.Result is not (null or bool)) useful++;
        }
        await cancel.CancelAsync().ConfigureAwait(true);
        return finished;
    }

    private async Task<bool> SendAsync(SiloAddress silo, string database, string id, ReplicatedRevision revision)
    {
        try
        {
            await mirrors.For(silo).Apply(database, id, revision).ConfigureAwait(false);
            return true;
        }
        catch (Exception e)
        {
            LogSendFailed(e, database, id, revision.Rev, silo);
            return false;
        }
    }

    private async Task<ReplicatedRevision[]?> FetchAsync(SiloAddress silo, string database, string id)
    {
        try
        {
            return await mirrors.For(silo).GetLeaves(database, id).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogFetchFailed(e, database, id, silo);
            return null;
        }
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "Replicating {Database}/{Id} rev {Rev} to {Silo} failed; anti-entropy will repair it")]
    private partial void LogSendFailed(Exception error, string database, string id, string rev, SiloAddress silo);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "Reading {Database}/{Id} from {Silo} failed")]
    private partial void LogFetchFailed(Exception error, string database, string id, SiloAddress silo);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "Write quorum missed for {Database}/{Id} rev {Rev}: {Acks} of {Needed} other mirrors acknowledged in time")]
    private partial void LogQuorumMissed(string database, string id, string rev, int acks, int needed);
}
