using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Records;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Grains.Mirror;

/// <summary>
/// <see cref="IMirrorService"/>: one per silo. Serves this silo's URL and its own copy of the records (the
/// <see cref="MirrorStore"/>) to the other silos' replication and anti-entropy. With shared storage (no local
/// store) the record operations have nothing to do.
/// </summary>
internal sealed partial class MirrorService : GrainService, IMirrorService
{
    private readonly MirrorStoreHost? _host;
    private readonly IOptions<MirrorGrainOptions> _options;
    private readonly ILocalSiloDetails _silo;
    private readonly ILogger<MirrorService> _logger;
    private readonly Attachments.MirrorAttachments? _attachments;
    private readonly Attachments.AttachmentRepair? _repair;
    private readonly DatabaseDrops? _drops;
    private readonly Placement.ReplicaDigests? _replicaDigests;
    private readonly Placement.Rebalancer? _rebalancer;

    public MirrorService(GrainId grainId, Silo silo, ILoggerFactory loggerFactory, IServiceProvider services,
        IOptions<MirrorGrainOptions> options, ILocalSiloDetails siloDetails)
        : base(grainId, silo, loggerFactory)
    {
        _host = services.GetService<MirrorStoreHost>();
        _options = options;
        _silo = siloDetails;
        _logger = loggerFactory.CreateLogger<MirrorService>();
        _attachments = services.GetService<Attachments.MirrorAttachments>();
        _repair = services.GetService<Attachments.AttachmentRepair>();
        _drops = services.GetService<DatabaseDrops>();
        _replicaDigests = services.GetService<Placement.ReplicaDigests>();
        _rebalancer = services.GetService<Placement.Rebalancer>();
    }

    public Task<SettledView> GetSettledView(CancellationToken cancellationToken = default) =>
        Task.FromResult(_rebalancer?.View ?? new SettledView(0, null));

    public Task<int> GetReplicas(CancellationToken cancellationToken = default) => Task.FromResult(_options.Value.Replicas);

    public Task<MirrorInfo> GetInfo(CancellationToken cancellationToken = default) => Task.FromResult(new MirrorInfo(_silo.Name, _options.Value.AdvertisedUrl));

    public async Task<MergeStatus> Apply(string database, string id, ReplicatedRevision revision, CancellationToken cancellationToken = default)
    {
        if (_host is null) return MergeStatus.AlreadyKnown;
        return await MergeAsync(await _host.Store, database, id, revision, cancellationToken);
    }

    public async Task<MergeStatus?[]> ApplyBatch(ReplicatedRecord[] records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var results = new MergeStatus?[records.Length];
        if (_host is null)
        {
            Array.Fill(results, MergeStatus.AlreadyKnown);
            return results;
        }
        var store = await _host.Store;
        // Off the service's single scheduler, so decoding and merging use both cores. Revisions of one record in their
        // order, records concurrently: the store's group commit then syncs the batch in a few fdatasyncs, not one each.
        await Task.Run(() => Task.WhenAll(Enumerable.Range(0, records.Length).GroupBy(i => (records[i].Database, records[i].Id)).Select(async indices =>
        {
            foreach (int i in indices)
            {
                var r = records[i];
                try
                {
                    results[i] = await MergeAsync(store, r.Database, r.Id, r.Revision, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    LogBatchItemFailed(e, r.Database, r.Id, r.Revision.Rev);
                }
            }
        })), cancellationToken);
        return results;
    }

    public async Task<ReplicatedRevision[][]> GetLeavesBatch(RecordRef[] records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (_host is null) return [.. records.Select(_ => Array.Empty<ReplicatedRevision>())];
        var store = await _host.Store;
        return await Task.Run(() => Task.WhenAll(records.Select(async r =>
            LeafWire.ToWire(await store.ReadRecordAsync(r.Database, r.Id, cancellationToken)))), cancellationToken);
    }

    public async Task<ReplicatedRevision[]> GetLeaves(string database, string id, CancellationToken cancellationToken = default)
    {
        if (_host is null) return [];
        var store = await _host.Store;
        return LeafWire.ToWire(await store.ReadRecordAsync(database, id, cancellationToken));
    }

    public async Task<string[]> ListDatabases(CancellationToken cancellationToken = default) =>
        _host is null ? [] : (await _host.Store).Index.Databases();

    public async Task<SegmentDigest[]> GetDigests(string database, CancellationToken cancellationToken = default) =>
        _host is null ? [] : (await _host.Store).Index.Digests(database);

    public async Task<SegmentDigest[]> GetReplicaDigests(string database, SiloAddress peer, CancellationToken cancellationToken = default) =>
        _host is null || _replicaDigests is null ? [] : _replicaDigests.For((await _host.Store).Index, database, peer) ?? [];

    public async Task<IndexEntryInfo[]> GetSegment(string database, int segment, CancellationToken cancellationToken = default) =>
        _host is null ? [] : (await _host.Store).Index.Entries(database, segment);

    public async Task<SegmentChanges> GetSegmentChanges(string database, int segment, long epoch, long since, int limit, CancellationToken cancellationToken = default) =>
        _host is null ? new SegmentChanges(0, 0, [], false) : (await _host.Store).Index.ChangesSince(database, segment, epoch, since, Math.Clamp(limit, 1, 100_000));

    private async Task<MergeStatus> MergeAsync(MirrorStore store, string database, string id, ReplicatedRevision revision, CancellationToken cancellationToken)
    {
        if (!DatabaseName.IsValid(database) || !LeafWire.TryFromWire(revision, verify: false, out var leaf, out _))
        {
            LogRejected(database, id, "malformed revision");
            return MergeStatus.Invalid;
        }
        var result = await store.MergeAsync(database, id, leaf, cancellationToken);
        if (result != MergeResult.AlreadyKnown) _repair?.Note(database, leaf.Body);
        return result switch
        {
            MergeResult.Accepted => MergeStatus.Accepted,
            MergeResult.Conflict => MergeStatus.Conflict,
            _ => MergeStatus.AlreadyKnown,
        };
    }

    [LoggerMessage(EventId = 2041, Level = LogLevel.Error, Message = "Applying a replicated revision {Rev} of {Database}/{Id} from a batch failed")]
    private partial void LogBatchItemFailed(Exception error, string database, string id, string rev);

    [LoggerMessage(EventId = 2040, Level = LogLevel.Warning, Message = "Rejected a replicated revision for {Database}/{Id}: {Problem}")]
    private partial void LogRejected(string database, string id, string problem);
}
