using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MyNoSql.Grains.Records;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Grains.Query;

/// <summary>
/// Read-your-writes for queries through one gateway. A write is acknowledged once durable on the silo of the
/// record's activation and a write quorum, which need not include this silo, while queries run on this silo's own
/// copy. So the gateway notes every save and delete it acknowledged (<see cref="Note"/>: a dictionary write, nothing
/// on the save path waits), and before a query on that database <see cref="CatchUpAsync"/> checks each noted revision
/// against the local store (one header read): one the local copy already knows (it or a descendant is a leaf) is
/// forgotten; one it does not know yet is fetched from the record's grain (which holds every acknowledged revision)
/// and merged into the local store, indexes included, before the query runs. Thus a query through gateway G reflects
/// every write G acknowledged before the query began; writes acknowledged by other gateways reach this silo by
/// replication and anti-entropy (usually within milliseconds, at worst within an anti-entropy period). Thread-safe.
/// </summary>
internal sealed partial class AcknowledgedWrites
{
    /// <summary>Past this many noted writes in one database, the ones the local store already knows are swept in the background.</summary>
    internal const int SweepThreshold = 10_000;

    private const int Parallelism = 16;
    private readonly MirrorStoreHost? _host;
    private readonly IGrainFactory _grains;
    private readonly ILogger<AcknowledgedWrites> _logger;
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly Placement.ReplicaSets? _placement;

    public AcknowledgedWrites(IServiceProvider services, IGrainFactory grains, ILogger<AcknowledgedWrites> logger)
    {
        _host = services.GetService<MirrorStoreHost>();
        _placement = services.GetService<Placement.ReplicaSets>();
        _grains = grains;
        _logger = logger;
    }

    /// <summary>Noted writes not yet known to be in this silo's store (for tests and diagnostics).</summary>
    public int Count(string database) => _pending.TryGetValue(database, out var p) ? p.Revisions.Count : 0;

    /// <summary>Remembers that this gateway acknowledged revision <paramref name="rev"/> of a record (a save or a tombstone).</summary>
    public void Note(string database, string id, string rev)
    {
        if (_host is null) return; // shared storage: every silo reads the same copy
        // --replicas N: queries read the records through their grains, and this silo must not fetch copies it does not hold.
        if (_placement is { Active: true }) return;
        var pending = _pending.GetOrAdd(database, _ => new Pending());
        pending.Revisions[id] = rev;
        if (pending.Revisions.Count > SweepThreshold && Interlocked.CompareExchange(ref pending.Sweeping, 1, 0) == 0)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    var store = await _host.Store.ConfigureAwait(false);
                    foreach (var (key, value) in pending.Revisions.ToArray())
                    {
                        if (await KnownLocallyAsync(store, database, key, value, CancellationToken.None).ConfigureAwait(false))
                            pending.Revisions.TryRemove(new KeyValuePair<string, string>(key, value));
                    }
                }
                catch (Exception e)
                {
                    LogSweepFailed(e, database);
                }
                finally
                {
                    Volatile.Write(ref pending.Sweeping, 0);
                }
            });
        }
    }

    /// <summary>
    /// Brings every write this gateway acknowledged in <paramref name="database"/> before the call into this silo's
    /// store (fetching from the record grains what replication has not delivered yet).
    /// </summary>
    public async Task CatchUpAsync(string database, CancellationToken cancellationToken)
    {
        if (_host is null || !_pending.TryGetValue(database, out var pending) || pending.Revisions.IsEmpty) return;
        var store = await _host.Store.ConfigureAwait(false);
        int fetched = 0;
        await Parallel.ForEachAsync(pending.Revisions.ToArray(), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (entry, ct) =>
            {
                var (id, rev) = entry;
                if (!await KnownLocallyAsync(store, database, id, rev, ct).ConfigureAwait(false))
                {
                    var leaves = await _grains.GetGrain<IRecordGrain>(RecordKey.For(database, id)).GetLeaves(ct).ConfigureAwait(false);
                    foreach (var wire in leaves)
                    {
                        if (LeafWire.TryFromWire(wire, verify: false, out var leaf, out _))
                            await store.MergeAsync(database, id, leaf, ct).ConfigureAwait(false);
                    }
                    Interlocked.Increment(ref fetched);
                }
                // Removed only if no newer write of the record was noted meanwhile.
                pending.Revisions.TryRemove(new KeyValuePair<string, string>(id, rev));
            }).ConfigureAwait(false);
        if (fetched > 0) LogCaughtUp(database, fetched);
    }

    private static async Task<bool> KnownLocallyAsync(MirrorStore store, string database, string id, string rev, CancellationToken cancellationToken)
    {
        if (!Revision.TryParse(rev, out var revision)) return true; // nothing to wait for
        var record = await store.ReadRecordAsync(database, id, cancellationToken).ConfigureAwait(false);
        return record is not null && record.Leaves.Any(l => l.Knows(revision));
    }

    private sealed class Pending
    {
        public readonly ConcurrentDictionary<string, string> Revisions = new(StringComparer.Ordinal);
        public int Sweeping;
    }

    [LoggerMessage(EventId = 2720, Level = LogLevel.Debug, Message = "Database '{Database}': {Count} acknowledged writes not replicated here yet were fetched before a query")]
    private partial void LogCaughtUp(string database, int count);

    [LoggerMessage(EventId = 2721, Level = LogLevel.Warning, Message = "Database '{Database}': sweeping the acknowledged writes this mirror already holds failed")]
    private partial void LogSweepFailed(Exception error, string database);
}
