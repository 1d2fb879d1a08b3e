using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MyNoSql.Grains.Attachments;
using MyNoSql.Grains.Merging;
using MyNoSql.Grains.Query;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Grains.Mirror;

/// <summary>
/// This silo's part of dropping a database (<c>DELETE /db/{db}</c>, see src/Silo/Gateway/DropDatabase.md): the store's
/// drop marker and keys (<see cref="MirrorStore.DropAsync"/>), the secondary indexes and catalog copy, the merge policy,
/// the attachment chunks and the noted writes. Drop markers travel: before this silo becomes active it exchanges them with
/// every active silo (<see cref="IMirrorService.ExchangeDrops"/>), so a mirror that was down during a drop purges its old
/// copy before it serves, and a silo that starts first learns the drops from the ones that join after it.
/// </summary>
internal sealed partial class DatabaseDrops(
    IServiceProvider services,
    IMirrorServiceClient mirrors,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    ILogger<DatabaseDrops> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>How long a silo is given to answer the exchange of drop markers at start.</summary>
    public static readonly TimeSpan ExchangeTimeout = TimeSpan.FromSeconds(10);

    private readonly MirrorStoreHost? _host = services.GetService<MirrorStoreHost>();

    public void Participate(ISiloLifecycle lifecycle) =>
        // Grain services run from RuntimeGrainServices on; the silo is announced active at BecomeActive.
        lifecycle.Subscribe(nameof(DatabaseDrops), ServiceLifecycleStage.BecomeActive - 1, CatchUpAsync);

    /// <summary>
    /// Drops <paramref name="database"/> from this silo as of <paramref name="stamp"/> (idempotent). True when this silo held
    /// anything of it (records or other state, index files, attachment chunks).
    /// </summary>
    public async Task<bool> DropAsync(string database, long stamp, CancellationToken cancellationToken)
    {
        if (_host is null) return false;
        var store = await _host.Store.ConfigureAwait(false);
        bool held = store.Index.Holds(database);
        var statistics = store.Replica.Records.GetStatistics();
        long before = statistics.SegmentBytes + statistics.LogBytes;
        int keys = await store.DropAsync(database, stamp, cancellationToken).ConfigureAwait(false);
        long indexBytes = services.GetService<MirrorIndexes>() is { } indexes ? await indexes.DropAsync(database, cancellationToken).ConfigureAwait(false) : 0;
        long chunkBytes = services.GetService<MirrorAttachments>() is { } attachments ? await attachments.DropAsync(database).ConfigureAwait(false) : 0;
        services.GetService<MergePolicies>()?.Forget(database);
        services.GetService<AcknowledgedWrites>()?.Forget(database);
        var after = store.Replica.Records.GetStatistics();
        LogDropped(database, stamp, keys, before, after.SegmentBytes + after.LogBytes, indexBytes, chunkBytes);
        return held || keys > 0 || indexBytes > 0 || chunkBytes > 0;
    }

    /// <summary>Applies the drops of <paramref name="theirs"/> this silo has not applied (or only an older one); returns this
    /// silo's drop markers afterwards.</summary>
    public async Task<Dictionary<string, long>> ExchangeAsync(IReadOnlyDictionary<string, long> theirs, CancellationToken cancellationToken)
    {
        if (_host is null) return [];
        var store = await _host.Store.ConfigureAwait(false);
        foreach (var (database, stamp) in theirs)
        {
            if (!DatabaseName.IsValid(database)) continue;
            if (store.Drops.TryGetValue(database, out long known) && known >= stamp) continue;
            LogLearned(database, stamp);
            await DropAsync(database, stamp, cancellationToken).ConfigureAwait(false);
        }
        return new Dictionary<string, long>(store.Drops, StringComparer.Ordinal);
    }

    /// <summary>Exchanges drop markers with every other active silo (before this one serves).</summary>
    internal async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        if (_host is null) return;
        var store = await _host.Store.ConfigureAwait(false);
        // All at once, so a silo that is gone but not yet declared dead costs one timeout, not one each.
        await Task.WhenAll(SiloFanOut.Active(membership).Where(s => !s.Equals(silo.SiloAddress)).Select(async other =>
        {
            try
            {
                var theirs = await mirrors.For(other).ExchangeDrops(new Dictionary<string, long>(store.Drops, StringComparer.Ordinal), cancellationToken)
                    .WaitAsync(ExchangeTimeout, cancellationToken).ConfigureAwait(false);
                await ExchangeAsync(theirs, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogExchangeFailed(e, other);
            }
        })).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 2980, Level = LogLevel.Information, Message = "Database '{Database}' dropped on this mirror (drop stamp {Stamp}): {Keys} keys cleared, store {BytesBefore} → {BytesAfter} bytes, {IndexBytes} index bytes and {ChunkBytes} attachment bytes deleted")]
    private partial void LogDropped(string database, long stamp, int keys, long bytesBefore, long bytesAfter, long indexBytes, long chunkBytes);

    [LoggerMessage(EventId = 2981, Level = LogLevel.Information, Message = "Database '{Database}' was dropped (stamp {Stamp}) while this mirror did not take part: dropping its copy here too")]
    private partial void LogLearned(string database, long stamp);

    [LoggerMessage(EventId = 2982, Level = LogLevel.Warning, Message = "Exchanging database drop markers with {Silo} failed; its drops reach this mirror when it exchanges with it (it joins, or this mirror restarts)")]
    private partial void LogExchangeFailed(Exception error, SiloAddress silo);
}
