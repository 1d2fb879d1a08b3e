using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyNoSql.Storage.Diagnostics;

namespace MyNoSql.Grains.Mirror;

/// <summary>
/// Sends records' new revisions to the other active silos and waits for a write quorum (DESIGN §5); the rest
/// finish in the background. Also reads the other silos' copies when a record grain activates, so an
/// activation on a silo that missed a background write still sees every acknowledged revision (R + W > N).
/// Both go through one <see cref="KeyedBatcher{TKey, TItem, TResult}"/> per kind and target silo: a few calls in flight
/// per silo, the next carrying every revision (or read) that queued meanwhile, so under load the messages between
/// silos follow the round trip instead of the number of records, and the receiver's store syncs a batch at once.
/// </summary>
internal sealed partial class Replicator
{
    /// <summary>Replication (and read) calls in flight per target silo; measured 1 vs 4 at 128 callers: 4 was faster.</summary>
    internal const int MaxCallsPerSilo = 4;
    private readonly IClusterMembershipService _membership;
    private readonly ILocalSiloDetails _local;
    private readonly IOptions<MirrorGrainOptions> _options;
    private readonly ILogger<Replicator> _logger;
    private readonly KeyedBatcher<SiloAddress, ReplicatedRecord, MergeStatus?> _applies;
    private readonly KeyedBatcher<SiloAddress, RecordRef, ReplicatedRevision[]> _reads;
    private readonly Placement.ReplicaSets? _placement;

    public Replicator(IClusterMembershipService membership, ILocalSiloDetails local, IMirrorServiceClient mirrors,
        IOptions<MirrorGrainOptions> options, ILogger<Replicator> logger, Placement.ReplicaSets? placement = null)
    {
        _placement = placement;
        _membership = membership;
        _local = local;
        _options = options;
        _logger = logger;
        // A few calls in flight per silo: under load an item then waits for less than a whole batch's round trip before it
        // goes out, and batches still form. Order across overlapping batches does not matter: a merge of an older revision
        // after a newer one finds it already known (the newer one carries it in its ancestry).
        _applies = new((silo, batch) => SendBatchAsync(mirrors, silo, batch), maxInFlight: MaxCallsPerSilo);
        _reads = new((silo, batch) => mirrors.For(silo).GetLeavesBatch(batch), maxInFlight: MaxCallsPerSilo);
    }

    public bool Enabled => _options.Value.Replicate;

    /// <summary>The replica sets of <c>--replicas N</c> (inactive without the option).</summary>
    internal Placement.ReplicaSets? Placement => _placement;

    /// <summary>The version of this silo's membership view.</summary>
    public MembershipVersion MembershipVersion => _membership.CurrentSnapshot.Version;

    /// <summary>
    /// The other mirrors, one silo per endpoint: the newest active incarnation. A mirror restarted on its endpoint
    /// supersedes its older incarnation, which other silos may still list as active for a moment (or until its death is
    /// detected); counting both would raise the quorum with a member that can never answer.
    /// </summary>
    public SiloAddress[] OtherActiveSilos()
    {
        var local = _local.SiloAddress;
        return [.. _membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && !m.SiloAddress.Endpoint.Equals(local.Endpoint))
            .GroupBy(m => m.SiloAddress.Endpoint)
            .Select(g => g.MaxBy(m => m.SiloAddress.Generation)!.SiloAddress)];
    }

    /// <summary>
    /// Runs <paramref name="send"/> against <paramref name="silo"/> until it succeeds; after a failure it is retried with
    /// backoff (50 ms doubling to 1 s) while the silo is still an active member and until <paramref name="stop"/>. A mirror
    /// that has just joined refuses calls until its services have started, and a call can be lost with a connection; the
    /// write quorum must not miss a live mirror for that. The result, or null when no attempt succeeded. Never faults.
    /// </summary>
    internal async Task<T?> SendWhileActiveAsync<T>(SiloAddress silo, Func<Task<T>> send, CancellationToken stop) where T : class
    {
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            try
            {
                return await send().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Logged by the sender; retried below while it can still help.
            }
            if (stop.IsCancellationRequested || _membership.CurrentSnapshot.GetSiloStatus(silo) != SiloStatus.Active) return null;
            try
            {
                await Task.Delay(delay, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.TicksPerSecond));
        }
    }

    /// <summary>Acknowledgements needed from other silos when <paramref name="others"/> other silos are active.</summary>
    public int AcksNeeded(int others)
    {
        int active = others + 1;
        int quorum = _options.Value.WriteQuorum > 0 ? Math.Min(_options.Value.WriteQuorum, active) : active / 2 + 1;
        return quorum - 1;
    }

    /// <summary>Replicates one revision; true once a write quorum (this silo included) holds it durably.</summary>
    public async Task<bool> ReplicateAsync(string database, string id, ReplicatedRevision revision) =>
        (await ReplicateManyAsync([new ReplicatedRecord(database, id, revision)]).ConfigureAwait(false))[0];

    /// <summary>
    /// Replicates many revisions (to each other silo in as few calls as the batcher makes, shared with every other
    /// record's replication); per revision, in order: true once a write quorum (this silo included) holds it durably.
    /// Returns within the replication timeout.
    /// </summary>
    public async Task<bool[]> ReplicateManyAsync(IReadOnlyList<ReplicatedRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (Enabled && records.Count > 0 && _placement is { Active: true }) return await ReplicateToHoldersAsync(_placement, records).ConfigureAwait(true);
        var acked = new bool[records.Count];
        var others = Enabled && records.Count > 0 ? OtherActiveSilos() : [];
        if (others.Length == 0)
        {
            Array.Fill(acked, true);
            return acked;
        }
        int needed = AcksNeeded(others.Length);
        long started = Stopwatch.GetTimestamp();
        // One token for the deadline and the end of the wait: once a quorum answered, failed sends are not retried
        // (anti-entropy repairs those mirrors); sends already made finish in the background.
        using var cancel = new CancellationTokenSource(_options.Value.ReplicationTimeout);
        var perSilo = others.Select(silo => SendWhileActiveAsync(silo, () => Task.WhenAll(_applies.SendManyAsync(silo, records)), cancel.Token)).ToArray();
        // Replication lag: until every active mirror holds the batch (the quorum answers sooner; the rest finish later).
        _ = Task.WhenAll(perSilo).ContinueWith(
            (all, state) =>
            {
                // A mirror that failed (it is repaired by anti-entropy) gives no lag figure.
                if (all.Result.All(s => s is not null)) MyNoSqlMetrics.ReplicationLag.Record(Stopwatch.GetElapsedTime((long)state!).TotalMilliseconds, MyNoSqlMetrics.Db(records[0].Database));
            },
            started, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var deadline = Task.Delay(Timeout.Infinite, cancel.Token);
        var waits = new Task<List<bool>>[records.Count];
        for (int i = 0; i < records.Count; i++) waits[i] = FirstAsync(perSilo.Select(s => StoredAt(s, i)), needed, deadline);
        await Task.WhenAll(waits).ConfigureAwait(true);
        await cancel.CancelAsync().ConfigureAwait(true);
        for (int i = 0; i < records.Count; i++)
        {
            int acks = waits[i].Result.Count(ok => ok);
            acked[i] = acks >= needed;
            if (!acked[i]) LogQuorumMissed(records[i].Database, records[i].Id, records[i].Revision.Rev, acks, needed);
        }
        return acked;
    }

    /// <summary>
    /// The leaves the other silos hold for a record, from at least a read quorum of them when reachable. Under
    /// <c>--replicas N</c> while the cluster has not settled its current view (<see cref="Placement.ReplicaSets.Stable"/>):
    /// from every other active silo, as a new holder may not have received the record yet. Each is asked once then: a
    /// mirror killed but not yet declared dead fails at once (connection refused) instead of holding the read until the
    /// replication timeout, as retrying it while it is still listed active would.
    /// </summary>
    public async Task<IReadOnlyList<ReplicatedRevision[]>> ReadOthersAsync(string database, string id)
    {
        if (!Enabled) return [];
        bool settling = _placement is { Replicas: > 0 } && !_placement.Stable;
        if (_placement is { Active: true } && !settling) return await ReadHoldersAsync(_placement, database, id).ConfigureAwait(true);
        var others = OtherActiveSilos();
        var key = new RecordRef(database, id);
        return settling
            ? await ReadFromAsync(others, others.Length, key, retry: false).ConfigureAwait(true)
            : await ReadFromAsync(others, AcksNeeded(others.Length), key).ConfigureAwait(true);
    }

    /// <summary>
    /// Whether a write quorum of the other mirrors alone holds revision <paramref name="rev"/> of a record (full copies
    /// only): what lets a write stand when this silo could not store it (its disk is full). The replication that sent it
    /// waited for one acknowledgement less, so the others are asked again until a quorum holds it or the replication
    /// timeout passes.
    /// </summary>
    public async Task<bool> HeldByQuorumOfOthersAsync(string database, string id, string rev)
    {
        if (!Enabled || _placement is { Active: true }) return false;
        long started = Stopwatch.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var others = OtherActiveSilos();
            int quorum = AcksNeeded(others.Length) + 1;
            if (others.Length < quorum) return false;
            var copies = await ReadFromAsync(others, others.Length, new RecordRef(database, id), retry: false).ConfigureAwait(true);
            if (copies.Count(leaves => leaves.Any(l => l.Rev == rev)) >= quorum) return true;
            if (Stopwatch.GetElapsedTime(started) + delay > _options.Value.ReplicationTimeout) return false;
            await Task.Delay(delay).ConfigureAwait(true);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.TicksPerSecond / 4));
        }
    }

    /// <summary>Reads the record from <paramref name="silos"/> until <paramref name="needed"/> answered (or the replication
    /// timeout); a failed read is retried while its silo is active, unless not to <paramref name="retry"/>.</summary>
    private async Task<IReadOnlyList<ReplicatedRevision[]>> ReadFromAsync(SiloAddress[] silos, int needed, RecordRef key, bool retry = true)
    {
        if (silos.Length == 0 || needed <= 0) return [];
        using var cancel = new CancellationTokenSource(_options.Value.ReplicationTimeout);
        var deadline = Task.Delay(Timeout.Infinite, cancel.Token);
        var reads = silos.Select(s => retry ? SendWhileActiveAsync(s, () => FetchAsync(s, key), cancel.Token) : FetchOnceAsync(s, key));
        var results = await FirstAsync(reads, needed, deadline).ConfigureAwait(true);
        await cancel.CancelAsync().ConfigureAwait(true);
        return [.. results.OfType<ReplicatedRevision[]>()];
    }

    /// <summary>
    /// Waits until <paramref name="wanted"/> tasks produced a useful result (true / non-null), all finished, or
    /// <paramref name="deadline"/> passed; returns the results finished by then. The tasks never fault.
    /// </summary>
    private static async Task<List<T>> FirstAsync<T>(IEnumerable<Task<T>> tasks, int wanted, Task deadline)
    {
        var remaining = tasks.ToList();
        var finished = new List<T>(remaining.Count);
        int useful = 0;
        while (remaining.Count > 0 && useful < wanted)
        {
            var done = await Task.WhenAny(remaining.Append(deadline)).ConfigureAwait(false);
            if (done == deadline) break;
            var task = (Task<T>)done;
            remaining.Remove(task);
            finished.Add(task.Result);
            if (task.Result is true || task.Result is not (null or bool)) useful++;
        }
        return finished;
    }

    /// <summary>Whether a silo's answer means it holds the revision (what counts toward a write quorum).</summary>
    public static bool Stored(MergeStatus status) => status is MergeStatus.Accepted or MergeStatus.AlreadyKnown or MergeStatus.Conflict;

    private static async Task<bool> StoredAt(Task<MergeStatus?[]?> silo, int i) =>
        await silo.ConfigureAwait(false) is { } statuses && statuses[i] is { } status && Stored(status);

    private async Task<MergeStatus?[]> SendBatchAsync(IMirrorServiceClient mirrors, SiloAddress silo, ReplicatedRecord[] batch)
    {
        try
        {
            return await mirrors.For(silo).ApplyBatch(batch).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogSendFailed(e, batch.Length, batch[0].Database, batch[0].Id, silo);
            throw;
        }
    }

    /// <summary>One read of <paramref name="key"/> from <paramref name="silo"/>; null when it failed (logged).</summary>
    private async Task<ReplicatedRevision[]?> FetchOnceAsync(SiloAddress silo, RecordRef key)
    {
        try
        {
            return await FetchAsync(silo, key).ConfigureAwait(false);
        }
        catch (Exception)
        {
            return null; // logged by FetchAsync
        }
    }

    private async Task<ReplicatedRevision[]> FetchAsync(SiloAddress silo, RecordRef key)
    {
        try
        {
            return await _reads.SendAsync(silo, key).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogFetchFailed(e, key.Database, key.Id, silo);
            throw;
        }
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "Replicating {Count} revisions ({Database}/{Id} first) to {Silo} failed; retried while it is an active member, else anti-entropy repairs them")]
    private partial void LogSendFailed(Exception error, int count, string database, string id, SiloAddress silo);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "Reading {Database}/{Id} from {Silo} failed")]
    private partial void LogFetchFailed(Exception error, string database, string id, SiloAddress silo);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "Write quorum missed for {Database}/{Id} rev {Rev}: {Acks} of {Needed} other mirrors acknowledged in time")]
    private partial void LogQuorumMissed(string database, string id, string rev, int acks, int needed);
}
