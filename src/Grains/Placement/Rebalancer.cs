using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Mirror;
using MyNoSql.Grains.Records;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Index;

namespace MyNoSql.Grains.Placement;

/// <summary>
/// Rebalancing under <c>--replicas N</c> (DESIGN §12): when the live mirrors differ from the last view this silo
/// settled (kept in <c>REPLICA-VIEW</c> beside its store, so a restart resumes the move instead of forgetting it), it
/// walks its own records and sends each record whose replica set gained a member to that new holder — only from the
/// first of the record's previous holders that is still alive (this silo), so one copy moves, not N. Rate-limited
/// (<see cref="MirrorGrainOptions.RebalanceRecordsPerSecond"/>), logged and counted (<see cref="RebalanceMetrics"/>).
/// The view is settled only once every send of a pass succeeded; otherwise the next pass starts over (sends are
/// idempotent merges). Then copies of records whose set no longer includes this silo are dropped (Rebalancer.Drop.cs).
/// </summary>
internal sealed partial class Rebalancer(
    MirrorStoreHost host,
    ReplicaSets sets,
    ClusterSettlement settlement,
    IMirrorServiceClient mirrors,
    IOptions<MirrorGrainOptions> options,
    ILogger<Rebalancer> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    internal const string ViewFile = "REPLICA-VIEW";
    private const int BatchSize = 256;
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private const int StraySweepEvery = 10;
    private long _strays;
    private long _idlePolls;

    private volatile SettledView _settled = new(0, null);

    /// <summary>Identities of the mirrors this silo last settled its records for (null: never, e.g. a first start).</summary>
    public string[]? Settled => _settled.Mirrors;

    /// <summary>The replica count of <see cref="Settled"/> (a change of <c>--replicas</c> also starts a pass).</summary>
    public int SettledReplicas => _settled.Replicas;

    /// <summary>Both at once, as other mirrors ask for them (<see cref="IMirrorService.GetSettledView"/>).</summary>
    public SettledView View => _settled;

    /// <summary>Passes finished (settled or not), for tests that wait for one.</summary>
    public long Passes { get; private set; }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(Rebalancer), ServiceLifecycleStage.Active, Start, StopAsync);

    private Task Start(CancellationToken cancellationToken)
    {
        if (options.Value.Replicate) _loop = Task.Run(() => LoopAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try { await _loop.WaitAsync(cancellationToken).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        var store = await host.Store.WaitAsync(cancellationToken).ConfigureAwait(false);
        string path = Path.Combine(store.Directory, ViewFile);
        var (mirrorsRead, replicasRead) = await ReadViewAsync(path, cancellationToken).ConfigureAwait(false);
        _settled = new SettledView(replicasRead, mirrorsRead);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
                var view = sets.Current;
                string[] names = [.. view.Names.Order(StringComparer.Ordinal)];
                if (Settled is not null && SettledReplicas == sets.Replicas && Settled.SequenceEqual(names, StringComparer.Ordinal))
                {
                    await settlement.CheckAsync(view, names, cancellationToken).ConfigureAwait(false);
                    // Settled, but copies this silo no longer holds can still be here: kept by the pass's drop because they
                    // changed meanwhile or a holder did not confirm, or written after it by a record grain still active here
                    // (it writes its own copy once more before it deactivates). Swept again while any is left, and every
                    // StraySweepEvery polls in case one was written since (the drop's rules are unchanged).
                    if (_strays > 0 || ++_idlePolls % StraySweepEvery == 0) _strays = await DropCopiesAsync(store, view, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                bool done = await RunPassAsync(store, Settled, SettledReplicas, view, cancellationToken).ConfigureAwait(false);
                Passes++;
                RebalanceMetrics.Passes.Add(1, new KeyValuePair<string, object?>("result", done ? "done" : "failed"));
                // A view that moved during the pass is not settled (the next pass goes from the settled one to the newest),
                // and nothing is dropped on its account.
                if (!done || !sets.Current.Version.Equals(view.Version)) continue;
                _strays = await DropCopiesAsync(store, view, cancellationToken).ConfigureAwait(false);
                // Replaced whole (write, then rename), so a crash leaves the old view or the new one.
                await File.WriteAllLinesAsync(path + ".tmp", [$"{ReplicasLine}{sets.Replicas}", .. names], cancellationToken).ConfigureAwait(false);
                File.Move(path + ".tmp", path, overwrite: true);
                _settled = new SettledView(sets.Replicas, names);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogLoopError(e);
            }
        }
    }

    /// <summary>One walk over this silo's records from view <paramref name="previous"/> to <paramref name="view"/>; true when every send succeeded.</summary>
    internal async Task<bool> RunPassAsync(MirrorStore store, string[]? previous, int previousReplicas, ReplicaView view, CancellationToken cancellationToken)
    {
        int replicas = sets.Replicas;
        string self = view.Names[Array.IndexOf(view.Silos, sets.Local) is var i and >= 0 ? i : 0];
        var alive = view.Names.ToHashSet(StringComparer.Ordinal);
        var previousHashes = previous?.Select(ReplicaPlacement.MirrorHash).ToArray();
        var pending = new Dictionary<SiloAddress, List<ReplicatedRecord>>();
        long scanned = 0, sent = 0, started = Stopwatch.GetTimestamp();
        bool ok = true;
        LogPassStarted(previous?.Length ?? 0, view.Count, replicas);
        foreach (var database in store.Index.Databases())
        {
            for (int segment = 0; segment < IndexSegment.Count; segment++)
            {
                foreach (var entry in store.Index.RawEntries(database, segment))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    scanned++;
                    var targets = RebalancePlan.Targets(ReplicaPlacement.KeyHash(database, entry.Id), view.Names, view.Hashes, previous,
                        previousHashes, alive, self, replicas, previousReplicas);
                    if (targets.Count == 0) continue;
                    var record = await store.ReadRecordAsync(database, entry.Id, cancellationToken).ConfigureAwait(false);
                    if (record is null) continue;
                    foreach (var target in targets.Select(t => view.Silos[t]))
                    {
                        if (!pending.TryGetValue(target, out var list)) pending[target] = list = [];
                        foreach (var leaf in LeafWire.ToWire(record)) list.Add(new ReplicatedRecord(database, entry.Id, leaf));
                        if (list.Count < BatchSize) continue;
                        ok &= await SendAsync(target, list, cancellationToken).ConfigureAwait(false);
                        sent += list.Count;
                        list.Clear();
                        await PaceAsync(sent, started, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        foreach (var (target, list) in pending.Where(p => p.Value.Count > 0))
        {
            ok &= await SendAsync(target, list, cancellationToken).ConfigureAwait(false);
            sent += list.Count;
        }
        RebalanceMetrics.Scanned.Add(scanned);
        LogPassDone(scanned, sent, Stopwatch.GetElapsedTime(started).TotalSeconds, ok);
        return ok;
    }

    private const string ReplicasLine = "replicas=";

    /// <summary>The settled view file: a <c>replicas=N</c> line, then one mirror identity a line; (null, 0) when absent.</summary>
    internal static async Task<(string[]?, int)> ReadViewAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) return (null, 0);
        var lines = (await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false)).Where(l => l.Length > 0).ToList();
        int replicas = 0;
        if (lines.Count > 0 && lines[0].StartsWith(ReplicasLine, StringComparison.Ordinal))
        {
            _ = int.TryParse(lines[0].AsSpan(ReplicasLine.Length), System.Globalization.CultureInfo.InvariantCulture, out replicas);
            lines.RemoveAt(0);
        }
        return ([.. lines], replicas);
    }

    private async Task<bool> SendAsync(SiloAddress target, List<ReplicatedRecord> batch, CancellationToken cancellationToken)
    {
        try
        {
            var statuses = await mirrors.For(target).ApplyBatch([.. batch], cancellationToken).ConfigureAwait(false);
            RebalanceMetrics.Copied.Add(batch.Count);
            RebalanceMetrics.Moved.Add(statuses.Count(s => s == MergeStatus.Accepted));
            RebalanceMetrics.Bytes.Add(batch.Sum(r => (long)r.Revision.Body.Length));
            return statuses.All(s => s is { } status && Replicator.Stored(status));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogSendFailed(e, batch.Count, target);
            return false;
        }
    }

    private Task PaceAsync(long sent, long started, CancellationToken cancellationToken)
    {
        double due = (double)sent / options.Value.RebalanceRecordsPerSecond - Stopwatch.GetElapsedTime(started).TotalSeconds;
        return due > 0 ? Task.Delay(TimeSpan.FromSeconds(due), cancellationToken) : Task.CompletedTask;
    }

    [LoggerMessage(EventId = 3500, Level = LogLevel.Information, Message = "Rebalancing: {Before} → {After} mirrors, {Replicas} replicas per record")]
    private partial void LogPassStarted(int before, int after, int replicas);

    [LoggerMessage(EventId = 3501, Level = LogLevel.Information, Message = "Rebalancing pass: {Scanned} records scanned, {Sent} revisions sent in {Seconds:F1} s (complete: {Complete})")]
    private partial void LogPassDone(long scanned, long sent, double seconds, bool complete);

    [LoggerMessage(EventId = 3502, Level = LogLevel.Warning, Message = "Rebalancing: sending {Count} revisions to {Silo} failed; the pass will be repeated")]
    private partial void LogSendFailed(Exception error, int count, SiloAddress silo);

    [LoggerMessage(EventId = 3503, Level = LogLevel.Error, Message = "Rebalancing loop error")]
    private partial void LogLoopError(Exception error);
}
