using Microsoft.Win32.SafeHandles;

namespace MyNoSql.Storage.Engine;

/// <summary>Opening, the background tasks (compactor, relaxed-mode flusher) and closing.</summary>
internal sealed partial class RecordStore
{
    private const string LockFileName = "store.lock";

    private readonly string _directory;
    private readonly StoreOptions _options;
    private readonly Shard[] _shards;
    private readonly BlockCache _cache;
    private readonly SafeFileHandle _lockHandle;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _compactSignal = new(0);
    private readonly BackgroundWorker _compactorThread;
    private Task _background = Task.CompletedTask;
    private readonly TaskCompletionSource _sealedAfterOpen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private RecordStore(string directory, StoreOptions options, Shard[] shards, BlockCache cache, SafeFileHandle lockHandle)
    {
        _directory = directory;
        _options = options;
        _shards = shards;
        _cache = cache;
        _lockHandle = lockHandle;
        _compactorThread = new BackgroundWorker(options.BackgroundNice, "MyNoSql compactor");
        Diagnostics.MyNoSqlMetrics.Track(this);
    }

    /// <summary>Options the store runs with.</summary>
    public StoreOptions Options => _options;

    private static async Task<RecordStore> OpenCoreAsync(string directory, StoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);
        var lockHandle = AcquireLock(directory, options);
        WarmUp.Start();
        var cache = new BlockCache(options.BlockCacheBytes, options.BlockSize);
        var load = new CommitLoad(); // one per store: inline commits only when a write is alone in the whole store
        RecordStore? store = null;
        var shards = Array.Empty<Shard>();
        try
        {
            int shardCount = StoreManifest.LoadOrCreate(directory, options.ShardCount);
            shards = new Shard[shardCount];
            // The signal is created by the store; shards only need a callback, so bind it late.
            Action onRotated = () => store?.SignalCompactor();
            var opening = Enumerable.Range(0, shardCount).Select(i => Task.Run(() => shards[i] = Shard.Open(
                i, Path.Combine(directory, Shard.FolderName(i)), options, cache, onRotated, load), cancellationToken)).ToArray();
            try
            {
                await Task.WhenAll(opening).ConfigureAwait(false);
            }
            catch
            {
                foreach (var t in opening.Where(t => t.IsCompletedSuccessfully))
                    await t.Result.CloseAsync(seal: false).ConfigureAwait(false);
                throw;
            }
            store = new RecordStore(directory, options, shards, cache, lockHandle);
            store._background = store.StartBackground();
            store.SignalCompactor(); // logs left rotated by a previous run get sealed
            return store;
        }
        catch
        {
            lockHandle.Dispose();
            throw;
        }
    }

    private static SafeFileHandle AcquireLock(string directory, StoreOptions options)
    {
        string path = Path.Combine(directory, LockFileName);
        try
        {
            return File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new DatabaseLockedException(options.Name.Length > 0 ? options.Name : directory, path, e);
        }
    }

    private Task StartBackground()
    {
        var tasks = new List<Task>();
        if (_options.BackgroundCompaction)
        {
            // Logs the previous run closed without sealing (SealOnClose off): measured here, before new writes land.
            var recovered = _shards.Where(s => s.LogBytes >= Math.Max(1, _options.SealAfterOpenBytes)).ToArray();
            tasks.Add(Task.Run(() => RunCompactorAsync(recovered, _stop.Token)));
        }
        if (_options.Durability == DurabilityMode.Relaxed) tasks.Add(Task.Run(() => RunFlusherAsync(_stop.Token)));
        return Task.WhenAll(tasks);
    }

    private void SignalCompactor()
    {
        if (_options.BackgroundCompaction && Volatile.Read(ref _disposed) == 0) _compactSignal.Release();
    }

    private async Task RunCompactorAsync(Shard[] sealAfterOpen, CancellationToken cancellationToken)
    {
        try
        {
            // Close left these logs unsealed so it could return at once; seal them now, one shard at a time, so a
            // core stays free for the application. Until then their records are read from the logs (uncompressed).
            foreach (var shard in sealAfterOpen)
            {
                try
                {
                    await shard.CompactAsync(rotateActive: true, cancellationToken, _compactorThread).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Recorded in the shard's LastError; the logs stay listed and are sealed by a later pass.
                }
            }
            _sealedAfterOpen.TrySetResult();
            while (true)
            {
                await _compactSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
                while (_compactSignal.CurrentCount > 0) await _compactSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
                foreach (var shard in _shards)
                {
                    try
                    {
                        await shard.CompactAsync(rotateActive: false, cancellationToken, _compactorThread).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // Recorded in the shard's LastError (statistics); the next rotation retries.
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _sealedAfterOpen.TrySetCanceled(cancellationToken);
        }
    }

    /// <summary>Completes when the compactor has sealed the logs the previous run left (tests; at once without any).</summary>
    internal Task SealedAfterOpen => _options.BackgroundCompaction ? _sealedAfterOpen.Task : Task.CompletedTask;

    private async Task RunFlusherAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.RelaxedFlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var shard in _shards)
                {
                    try
                    {
                        shard.FlushIfDirty();
                    }
                    catch (IOException)
                    {
                        // The next write's own sync (or close) reports the failure; nothing to hand it to here.
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task DisposeCoreAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Diagnostics.MyNoSqlMetrics.Untrack(this);
        try
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _background.ConfigureAwait(false);
            _compactorThread.Dispose();
            // Close shards in parallel (with SealOnClose, sealing is compression work per shard). Without it, close only
            // drains the committers and trims the logs' preallocated zeros: the logs are durable and in the manifest.
            await Task.WhenAll(_shards.Select(s => Task.Run(() => s.CloseAsync(_options.SealOnClose)))).ConfigureAwait(false);
        }
        finally
        {
            _lockHandle.Dispose();
            _stop.Dispose();
            // The cached pages' buffers are faulted-in memory: a store opened next in this process reuses them.
            _cache.Clear();
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private Shard ShardFor(string key) => _shards[KeyHash.ShardOf(key, _shards.Length)];

    /// <summary>Counters across shards.</summary>
    public StoreStatistics GetStatistics() => new(
        Count, PendingCount,
        _shards.Sum(s => s.SegmentCount), _shards.Sum(s => s.SegmentBytes), _shards.Sum(s => s.LogBytes),
        _shards.Sum(s => s.SyncCount), _shards.Sum(s => s.CommitCount), _shards.Sum(s => s.Seals), _shards.Sum(s => s.Rewrites),
        _cache.Hits, _cache.Misses, _cache.Bytes,
        _shards.Select(s => s.LastError).FirstOrDefault(e => e is not null));

    /// <summary>The low-priority thread the background compactor seals on (tests).</summary>
    internal BackgroundWorker CompactorThread => _compactorThread;

    /// <summary>The shared block cache (tests check its bound).</summary>
    internal BlockCache Cache => _cache;

    /// <summary>The shards (tests and diagnostics).</summary>
    internal IReadOnlyList<Shard> Shards => _shards;
}
