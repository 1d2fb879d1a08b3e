using Microsoft.Extensions.Logging;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Attachments;

namespace MyNoSql.Grains.Attachments;

/// <summary>
/// Collection of attachment bodies on this silo (DESIGN §9): mark-and-sweep per database, the live set being every digest
/// a record of this silo's copy names (leaves and kept history); chunks and manifests younger than the grace period stay
/// (an upload in flight has no stub yet). Runs every <see cref="MirrorAttachmentOptions.CollectionInterval"/> and on demand.
/// </summary>
internal sealed partial class AttachmentCollector(MirrorAttachments attachments, ILogger<AttachmentCollector> logger, MirrorStoreHost? host = null)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _one = new(1, 1);
    private Task _loop = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(AttachmentCollector), ServiceLifecycleStage.Active, Start, StopAsync);

    /// <summary>Collects the bodies of <paramref name="database"/> nothing on this silo refers to; null without a local copy.</summary>
    public async Task<AttachmentCollection?> CollectAsync(string database, TimeSpan grace, CancellationToken cancellationToken)
    {
        var store = host?.Current;
        if (store is null) return null;
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var live = await MirrorStubs.DigestsAsync(store, database, includeHistory: true, cancellationToken).ConfigureAwait(false);
            var result = await attachments.Store(database).CollectAsync(live, grace, cancellationToken).ConfigureAwait(false);
            if (result.ManifestsDeleted + result.ChunksDeleted > 0)
                LogCollected(database, result.ManifestsDeleted, result.ChunksDeleted, result.BytesFreed);
            return result;
        }
        finally
        {
            _one.Release();
        }
    }

    private Task Start(CancellationToken cancellationToken)
    {
        if (attachments.Options.CollectionInterval > TimeSpan.Zero && host is not null)
            _loop = Task.Run(() => LoopAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(attachments.Options.CollectionInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var database in attachments.Databases())
                {
                    try
                    {
                        await CollectAsync(database, attachments.Options.CollectionGrace, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        LogCollectFailed(e, database);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(EventId = 3640, Level = LogLevel.Information, Message = "Attachments of {Database}: {Manifests} unreferenced bodies and {Chunks} chunks collected ({Bytes} bytes)")]
    private partial void LogCollected(string database, int manifests, int chunks, long bytes);

    [LoggerMessage(EventId = 3641, Level = LogLevel.Warning, Message = "Collecting the attachments of {Database} failed; next period")]
    private partial void LogCollectFailed(Exception error, string database);
}
