using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Documents;
using Orleans.Storage;

namespace MyNoSql.Grains.Records;

/// <summary>
/// Freshness of an active record grain: a push applied in a batch (<see cref="Sync.MirrorBatchAccept"/>) and replication
/// batches write this silo's copy without the grain. Before every call the grain compares its state's ETag with the store's
/// version of its key (<see cref="MirrorStore.IsCurrent"/>: a directory lookup, no payload read) and re-reads when it
/// moved, so it never serves or merges into an older state. Writes were safe already (the ETag check of every write).
/// </summary>
internal sealed partial class RecordGrain : IIncomingGrainCallFilter
{
    private MirrorStore? _freshnessStore;
    private string? _stateKey;
    private bool _freshnessResolved;

    async Task IIncomingGrainCallFilter.Invoke(IIncomingGrainCallContext context)
    {
        if (await FreshnessStoreAsync() is { } store && !store.IsCurrent(_stateKey!, _state.Etag))
        {
            LogStale(_database, _id);
            var before = _record;
            await _state.ReadStateAsync();
            _record = KeptIfDropped(before, StoredRecord());
            _damage = _state.State.Damage;
            if (_record is not null) foreach (var leaf in _record.Leaves) _clock.Observe(leaf.Stamp);
        }
        // --replicas N: after a membership change the record's holders may differ from those this activation replicated to
        // and read from, and a second activation may have served writes meanwhile (the grain directory lost a partition):
        // read repair again before serving.
        if (_repairedAt is { } repairedAt && _replicator.Placement is { } placement && !repairedAt.Equals(placement.Current.Version))
        {
            LogViewChanged(_database, _id);
            await RepairFromOthersAsync();
        }
        await ThrowIfDamagedAsync();
        await context.Invoke();
        // --replicas N: an activation left on a silo that is no longer one of the record's holders (membership changed)
        // goes away once idle, so the next call activates the record on a holder.
        if (_replicator.Placement is { Active: true } sets && !sets.HoldsLocally(_database, _id)) DeactivateOnIdle();
    }

    /// <summary>
    /// What the grain holds after a re-read: the stored record, or — only under <c>--replicas N</c>, when the rebalancer
    /// dropped this non-holder's copy after its holders confirmed theirs — the record the grain held before.
    /// </summary>
    private DocumentRecord? KeptIfDropped(DocumentRecord? before, DocumentRecord? stored) =>
        stored is null && before is not null && _replicator.Placement is { Active: true } ? before : stored;

    /// <summary>This silo's store when the grain's state lives in it (lzma-shards); null otherwise (shared storage).</summary>
    private async ValueTask<MirrorStore?> FreshnessStoreAsync()
    {
        if (_freshnessResolved) return _freshnessStore;
        var services = ServiceProvider;
        var host = services.GetService<MirrorStoreHost>();
        string storageName = services.GetRequiredService<IOptions<MirrorGrainOptions>>().Value.StorageName;
        if (host is not null && services.GetKeyedService<IGrainStorage>(storageName) is LzmaShardGrainStorage)
        {
            _freshnessStore = await host.Store;
            _stateKey = MirrorKeys.ForState(MirrorKeys.RecordStateName, this.GetGrainId());
        }
        _freshnessResolved = true;
        return _freshnessStore;
    }

    [LoggerMessage(EventId = 2069, Level = LogLevel.Debug, Message = "{Database}/{Id}: the membership changed since this activation's last read repair; repairing again")]
    private partial void LogViewChanged(string database, string id);

    [LoggerMessage(EventId = 2068, Level = LogLevel.Debug, Message = "{Database}/{Id} was written in this silo's store without the grain (a batch); re-reading")]
    private partial void LogStale(string database, string id);
}
