using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyNoSql.Storage.Sync;
using Orleans.Concurrency;

namespace MyNoSql.Grains.Sync;

/// <summary>
/// The Orleans face of peer sync for one database (stateless: any silo, many activations): a thin adapter over
/// <see cref="SyncService"/>, the same code the HTTP gateway's sync routes run.
/// </summary>
[StatelessWorker]
internal sealed class SyncGrain(IOptions<MirrorGrainOptions> options, ILogger<SyncGrain> logger) : Grain, ISyncGrain
{
    private string Database => this.GetPrimaryKeyString();

    public async ValueTask<SyncChanges> GetChanges(long[] checkpoint, int limit, string[] prefixes, CancellationToken cancellationToken = default)
    {
        var page = await Service(nameof(GetChanges)).GetChangesAsync(Database, SyncCheckpoint.FromVector(checkpoint), limit, prefixes ?? [], cancellationToken);
        return new SyncChanges(page.Next.ToVector(), page.Entries, page.More, page.HorizonSeconds);
    }

    public async ValueTask<SyncPushReply> Push(byte[] batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        IReadOnlyList<SyncRecord> records;
        try
        {
            records = SyncService.DecodePush(batch);
        }
        catch (FormatException e)
        {
            return new SyncPushReply(e.Message, []);
        }
        return new SyncPushReply(null, await Service(nameof(Push)).PushAsync(Database, records, cancellationToken));
    }

    public async ValueTask<byte[]> Fetch(string[] ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return await Service(nameof(Fetch)).FetchAsync(Database, ids, cancellationToken);
    }

    public async ValueTask<byte[]> FetchSince(string[] ids, string?[] heldRevs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(heldRevs);
        return await Service(nameof(FetchSince)).FetchAsync(Database, ids, cancellationToken, heldRevs);
    }

    private SyncService Service(string operation) => new(
        new GrainSyncBackend(GrainFactory, ServiceProvider.GetService<MirrorBatchAccept>(), ServiceProvider.GetService<MirrorLocalFetch>()),
        new UnavailableRetryPolicy(UnavailableRetryPolicy.DefaultLimit, logger, $"sync grain {Database}: {operation}"),
        new SyncServiceOptions { HorizonSeconds = (long)options.Value.TombstoneHorizon.TotalSeconds });
}
