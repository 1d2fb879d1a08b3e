using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Records;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Index;

namespace MyNoSql.Grains.Mirror;

/// <summary>
/// Anti-entropy (DESIGN §5): periodically compares this silo's index-segment digests with every other active
/// silo and, for each segment that differs, pushes every record this silo holds differently to that silo and
/// to the record's grain. Every silo runs the same loop, so what one side lacks the other side pushes, and a
/// silo that was down catches up by itself. Digests come from the index, so they cannot tell a damaged copy (bytes that
/// failed their checksum when read): each round first rewrites the copies found damaged here from the other mirrors'
/// leaves (<see cref="MirrorStore.ReplaceDamagedAsync"/>).
/// </summary>
internal sealed partial class AntiEntropyWorker(
    MirrorStoreHost host,
    Replicator replicator,
    IMirrorServiceClient mirrors,
    IGrainFactory grains,
    IOptions<MirrorGrainOptions> options,
    ILogger<AntiEntropyWorker> logger,
    Attachments.AttachmentRepair? attachmentRepair = null,
    Placement.ReplicaSets? placement = null,
    Placement.ReplicaDigests? replicaDigests = null) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private long _segmentsWalked;

    /// <summary>Segments whose entries were fetched from another silo and compared (digests differed), since start; for tests.</summary>
    internal long SegmentsWalked => Interlocked.Read(ref _segmentsWalked);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(AntiEntropyWorker), ServiceLifecycleStage.Active, Start, StopAsync);

    /// <summary>One full comparison with every other active silo; returns the number of records pushed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var store = host.Current;
        if (store is null) return 0;
        await RepairDamagedAsync(store, cancellationToken).ConfigureAwait(false);
        int pushed = 0;
        foreach (var silo in replicator.OtherActiveSilos())
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                pushed += await CompareWithAsync(store, silo, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogRoundFailed(e, silo);
            }
        }
        if (pushed > 0) LogRepaired(pushed);
        // Attachment bodies: stubs this silo holds without their body are pulled from a silo that has it.
        if (attachmentRepair is not null) await attachmentRepair.RunOnceAsync(cancellationToken).ConfigureAwait(false);
        return pushed;
    }

    private Task Start(CancellationToken cancellationToken)
    {
        if (options.Value.Replicate && options.Value.AntiEntropyInterval > TimeSpan.Zero)
            _loop = Task.Run(() => LoopAsync(_stop.Token), CancellationToken.None);
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
        var interval = options.Value.AntiEntropyInterval;
        // A first round soon after start, so a silo that was down catches up quickly.
        var delay = TimeSpan.FromMilliseconds(Math.Min(interval.TotalMilliseconds, 2000));
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 250)), cancellationToken).ConfigureAwait(false);
                await RunOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogLoopError(e);
            }
            delay = interval;
        }
    }

    private async Task<int> CompareWithAsync(MirrorStore store, SiloAddress silo, CancellationToken cancellationToken)
    {
        var service = mirrors.For(silo);
        // With --replicas, only this silo's records are pushed, so only its databases are compared (DESIGN §12).
        bool replicas = placement is { Active: true } && replicaDigests is not null;
        var databases = replicas ? store.Index.Databases()
            : store.Index.Databases().Union(await service.ListDatabases(cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);
        int pushed = 0;
        foreach (var database in databases)
        {
            SegmentDigest[]? theirs, ours;
            if (replicas)
            {
                // Per replica set: each side digests what it holds of the records both should hold (ReplicaDigests); whole
                // segments never match under replicas. Either side unable to (views differ for a moment): every segment.
                theirs = await ReplicaDigestsOfAsync(service, database, cancellationToken).ConfigureAwait(false);
                ours = replicaDigests!.For(store.Index, database, silo);
                if (ours is null || theirs.Length != IndexSegment.Count) theirs = ours = null;
            }
            else
            {
                theirs = await service.GetDigests(database, cancellationToken).ConfigureAwait(false);
                ours = store.Index.Digests(database);
            }
            for (int segment = 0; segment < IndexSegment.Count; segment++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (theirs is not null && ours is not null && segment < theirs.Length && theirs[segment].Digest == ours[segment].Digest) continue;
                Interlocked.Increment(ref _segmentsWalked);
                var remote = (await service.GetSegment(database, segment, cancellationToken).ConfigureAwait(false))
                    .ToDictionary(e => e.Id, e => (e.Rev, e.Deleted, e.Conflicts), StringComparer.Ordinal);
                foreach (var entry in store.Index.RawEntries(database, segment))
                {
                    // Same winner and the same other leaves (a conflict loser one mirror missed is repaired too).
                    if (remote.TryGetValue(entry.Id, out var r) && r.Rev == entry.Rev.ToString() && r.Deleted == entry.Deleted
                        && r.Conflicts == entry.Conflicts) continue;
                    // With --replicas, a silo gets only the records it holds (DESIGN §12).
                    if (placement is { Active: true } && Array.IndexOf(placement.Holders(database, entry.Id), silo) < 0) continue;
                    pushed += await PushAsync(store, service, database, entry.Id, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        return pushed;
    }

    /// <summary>
    /// The other silo's per-replica-set digests of <paramref name="database"/> for this silo; empty (compare every segment)
    /// when it cannot give them — e.g. a mirror of an older version during a rolling upgrade, which lacks the call.
    /// </summary>
    private async Task<SegmentDigest[]> ReplicaDigestsOfAsync(IMirrorService service, string database, CancellationToken cancellationToken)
    {
        try
        {
            return await service.GetReplicaDigests(database, placement!.Local, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogReplicaDigestsFailed(e, database);
            return [];
        }
    }

    /// <summary>Rewrites this silo's damaged copies from what the other mirrors hold; one that fails waits for the next round.</summary>
    private async Task RepairDamagedAsync(MirrorStore store, CancellationToken cancellationToken)
    {
        foreach (var damage in store.Damaged.ToArray())
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var leaves = new List<RevisionLeaf>();
                foreach (var copy in await replicator.ReadOthersAsync(damage.Database, damage.Id).ConfigureAwait(false))
                {
                    foreach (var wire in copy)
                    {
                        if (LeafWire.TryFromWire(wire, verify: false, out var leaf, out _)) leaves.Add(leaf);
                    }
                }
                await store.ReplaceDamagedAsync(damage, leaves, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogDamageRepairFailed(e, damage.Database, damage.Id);
            }
        }
    }

    /// <summary>Sends every leaf this silo holds for a record to the other silo and to the record's grain.</summary>
    private async Task<int> PushAsync(MirrorStore store, IMirrorService service, string database, string id, CancellationToken cancellationToken)
    {
        var record = await store.ReadRecordAsync(database, id, cancellationToken).ConfigureAwait(false);
        if (record is null) return 0;
        var grain = grains.GetGrain<IRecordGrain>(RecordKey.For(database, id));
        foreach (var leaf in LeafWire.ToWire(record))
        {
            await service.Apply(database, id, leaf, cancellationToken).ConfigureAwait(false);
            await grain.Accept(leaf, cancellationToken).ConfigureAwait(false);
        }
        return 1;
    }

    [LoggerMessage(EventId = 2020, Level = LogLevel.Information, Message = "Anti-entropy pushed {Records} records to other mirrors")]
    private partial void LogRepaired(int records);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Warning, Message = "Anti-entropy round with {Silo} failed")]
    private partial void LogRoundFailed(Exception error, SiloAddress silo);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Warning, Message = "Anti-entropy: no per-replica-set digests of {Database} from a mirror; comparing every segment")]
    private partial void LogReplicaDigestsFailed(Exception error, string database);

    [LoggerMessage(EventId = 2024, Level = LogLevel.Warning, Message = "Anti-entropy could not rewrite the damaged record {Database}/{Id} from the other mirrors; next round")]
    private partial void LogDamageRepairFailed(Exception error, string database, string id);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Error, Message = "Anti-entropy loop error")]
    private partial void LogLoopError(Exception error);
}
