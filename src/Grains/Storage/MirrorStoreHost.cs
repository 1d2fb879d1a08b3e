using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;

namespace MyNoSql.Grains.Storage;

/// <summary>Opens this silo's <see cref="MirrorStore"/> when the silo starts and closes it when it stops.</summary>
internal sealed partial class MirrorStoreHost(IOptions<LzmaShardStorageOptions> options, ILogger<MirrorStoreHost> logger, IServiceProvider? services = null)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly TaskCompletionSource<MirrorStore> _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private Task _sweep = Task.CompletedTask;

    /// <summary>Completes once the store is open (faults when it could not be opened).</summary>
    public Task<MirrorStore> Store => _opened.Task;

    /// <summary>The store when open, else null.</summary>
    public MirrorStore? Current => _opened.Task.IsCompletedSuccessfully ? _opened.Task.Result : null;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(MirrorStoreHost), ServiceLifecycleStage.RuntimeInitialize, StartAsync, StopAsync);

    /// <summary>Opens the store (the silo lifecycle calls this at start; tests call it directly).</summary>
    internal async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        string? problem = o.Validate();
        if (problem is not null)
        {
            var error = new OptionsValidationException(nameof(LzmaShardStorageOptions), typeof(LzmaShardStorageOptions), [problem]);
            _opened.TrySetException(error);
            throw error;
        }
        string directory = Path.GetFullPath(o.Directory);
        try
        {
            MirrorStore store;
            try
            {
                store = await OpenAsync(directory, o, cancellationToken).ConfigureAwait(false);
            }
            catch (CorruptDataException e) when (o.SetAsideDamagedStore)
            {
                // Other mirrors hold copies: the damaged store is kept for inspection and this one starts empty; anti-entropy
                // refills it (deploy/README.md). Set aside whole: its shards share one manifest, and records span databases.
                string kept = SetAside(directory);
                LogSetAside(directory, e.FilePath, e.Offset, RecordDamage.ProblemOf(e), kept);
                store = await OpenAsync(directory, o, cancellationToken).ConfigureAwait(false);
            }
            catch (CorruptDataException e)
            {
                // No other copy is known: starting empty would look like data loss. One error, no stack trace.
                LogDamagedRefused(directory, e.FilePath, e.Offset, RecordDamage.ProblemOf(e));
                throw new MirrorStoreDamagedException($"the mirror store at '{directory}' is damaged: {e.Message}. This mirror knows of "
                    + "no other mirror holding copies (it is given no --primary and uses localhost clustering), so it does not start "
                    + $"empty. If other mirrors of this cluster run, move '{directory}' aside and start this one again: it refills "
                    + "from them. Otherwise keep the directory and inspect it (deploy/README.md, damaged stores).");
            }
            LogOpened(directory, store.Count);
            if (store.Reflagged > 0) LogReflagged(directory, store.Reflagged);
            _opened.TrySetResult(store);
            if (services?.GetService<IOptions<MirrorGrainOptions>>()?.Value.TombstoneHorizon is { } horizon && horizon > TimeSpan.Zero)
                _sweep = SweepHistoryAsync(store, horizon, _stopping.Token);
        }
        catch (MirrorStoreDamagedException e)
        {
            _opened.TrySetException(e);
            throw;
        }
        catch (Exception e)
        {
            LogOpenFailed(e, directory);
            _opened.TrySetException(e);
            throw;
        }
    }

    private Task<MirrorStore> OpenAsync(string directory, LzmaShardStorageOptions o, CancellationToken cancellationToken) =>
        MirrorStore.OpenAsync(directory, new StoreOptions
        {
            ShardCount = o.ShardCount,
            BlockCacheBytes = o.CacheSizeBytes,
            Durability = o.Durability,
            DedicatedCommitThreads = o.DedicatedCommitThreads,
            Name = "mirror",
        }, cancellationToken,
            services?.GetService<IOptions<MirrorGrainOptions>>()?.Value.HistoryDepth ?? RecordHistory.DefaultDepth,
            services?.GetService<HybridClock>(), logger);

    /// <summary>
    /// Moves <paramref name="directory"/> to a new <c>{directory}.damaged-{UTC time}</c> beside it, with the secondary
    /// indexes of its records (the <c>indexes</c> folder beside it, MirrorIndexes.Root: derived data, rebuilt from the
    /// catalog at start); that path.
    /// </summary>
    private static string SetAside(string directory)
    {
        string stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        string kept = $"{directory}.damaged-{stamp}";
        for (int n = 2; System.IO.Directory.Exists(kept) || File.Exists(kept); n++) kept = $"{directory}.damaged-{stamp}-{n}";
        System.IO.Directory.Move(directory, kept);
        string indexes = Path.Combine(Path.GetDirectoryName(directory) ?? directory, "indexes");
        if (System.IO.Directory.Exists(indexes)) System.IO.Directory.Move(indexes, Path.Combine(kept, "indexes"));
        return kept;
    }

    /// <summary>Closes the store.</summary>
    internal async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_opened.Task.IsCompletedSuccessfully) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _sweep.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _opened.Task.Result.DisposeAsync().ConfigureAwait(false);
        LogClosed(_opened.Task.Result.Directory);
    }

    /// <summary>
    /// Deleted records keep their history on this silo's copy until the tombstone horizon; every quarter horizon
    /// (between a minute and six hours) the bodies of those deleted longer ago go (DESIGN §8, issue 13).
    /// </summary>
    private async Task SweepHistoryAsync(MirrorStore store, TimeSpan horizon, CancellationToken cancellationToken)
    {
        var period = TimeSpan.FromTicks(Math.Clamp(horizon.Ticks / 4, TimeSpan.TicksPerMinute, TimeSpan.TicksPerHour * 6));
        var ages = new TombstoneAges();
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    int dropped = await store.Replica.DropExpiredHistoryAsync(horizon, store.Replica.Clock.Now, (key, e) => store.NoteDamage(key, e),
                        key => ages.Admit(key, horizon), cancellationToken).ConfigureAwait(false);
                    ages.EndPass();
                    if (dropped > 0) LogHistoryDropped(store.Directory, dropped);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogSweepFailed(e, store.Directory);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Mirror store at {Directory}: history of {Records} records deleted longer ago than the tombstone horizon dropped")]
    private partial void LogHistoryDropped(string directory, int records);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Mirror store at {Directory}: the sweep of deleted records' history failed; it runs again next period")]
    private partial void LogSweepFailed(Exception error, string directory);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Mirror store opened at {Directory} with {Keys} keys")]
    private partial void LogOpened(string directory, long keys);

    [LoggerMessage(EventId = 2500, Level = LogLevel.Information, Message = "Mirror store at {Directory}: {Records} records keeping resolved branches re-flagged (one-time scan of a store from an earlier version)")]
    private partial void LogReflagged(string directory, int records);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Mirror store at {Directory} could not be opened")]
    private partial void LogOpenFailed(Exception error, string directory);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Error, Message = "Mirror store at {Directory} is damaged ('{File}' at offset {Offset}: {Problem}): set aside as {Kept} (kept for inspection) and started empty; anti-entropy refills it from the other mirrors")]
    private partial void LogSetAside(string directory, string file, long offset, string problem, string kept);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Critical, Message = "Mirror store at {Directory} is damaged ('{File}' at offset {Offset}: {Problem}) and no other mirror is known to hold copies: not starting")]
    private partial void LogDamagedRefused(string directory, string file, long offset, string problem);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Mirror store at {Directory} closed")]
    private partial void LogClosed(string directory);
}
