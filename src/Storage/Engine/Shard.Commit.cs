using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// Group commit: callers enqueue encoded frames; whoever holds the shard's commit token takes everything queued,
/// writes it with one positional gather-write, issues ONE fdatasync (Durable), applies the frames to the directory and
/// completes every waiter. With <see cref="StoreOptions.InlineCommits"/> a caller that finds the token free commits
/// on its own thread (a lone saver: no thread wake before or after its sync); callers that find it held leave their
/// request queued, and the holder (or a drain it hands off to) writes them together, so concurrent savers share a sync.
/// </summary>
internal sealed partial class Shard
{
    // A log is created (or topped up) with this many zeroed bytes before OpenAsync returns: zero-fill + fsync then
    // never competes with the first saves' fdatasyncs (~3,000 game / ~25,000 IoT records per shard before the
    // first background extension).
    internal const long InitialPreallocation = 4 << 20;
    private const long PreallocationStep = 4 << 20;
    private const long PreallocationLowWater = 1 << 20;  // at ~20 MB/s of log per store this still lasts ~200 ms
    private const long MaxSparePreallocation = 4 << 20;  // zero-filling a whole 64 MiB spare would compete with syncs
    private const int MaxBatchBytes = 8 << 20;

    private readonly Channel<CommitRequest> _queue;
    private readonly List<CommitRequest> _batch = [];      // the token holder's
    private readonly SemaphoreSlim _drainSignal = new(0);  // wakes the dedicated drain thread (it then holds the token)
    private int _token;                                     // 1 while someone commits (the only reader of _queue)
    private volatile bool _stopped;
    private CommitLoad _load = new();                       // the store's frame requests in flight (set at open)
    private Task _committer = Task.CompletedTask;
    private LogFile? _active;
    private LogFile? _spare;
    private Task _spareTask = Task.CompletedTask;
    private int _sparePreparing;
    private ulong _lastLsn;
    private long _syncCount;
    private long _commitCount;
    private long _inlineCommitCount;
    private volatile bool _dirty;
    private volatile ExceptionDispatchInfo? _fault;

    /// <summary>Number of log syncs issued (tests check that group commit batches).</summary>
    public long SyncCount => Interlocked.Read(ref _syncCount);

    /// <summary>Number of write batches committed.</summary>
    public long CommitCount => Interlocked.Read(ref _commitCount);

    /// <summary>Number of commit passes a caller ran on its own thread (tests check the inline path).</summary>
    public long InlineCommitCount => Interlocked.Read(ref _inlineCommitCount);

    public long LogBytes
    {
        get
        {
            lock (_lock) return _logs.Values.Sum(l => l.WriteOffset);
        }
    }

    /// <summary>
    /// Queues a request; the task completes when it is committed (durable or written per mode). Inline mode: when the
    /// request is the only write in flight in the store and no one is committing, the caller commits the queue (its own
    /// request included) before this returns.
    /// </summary>
    public Task EnqueueAsync(CommitRequest request)
    {
        if (_fault is { } fault)
            throw new IOException($"Shard '{Path}' stopped accepting writes after a log failure: {fault.SourceException.Message}", fault.SourceException);
        bool frames = request.Control is null;
        bool alone = frames && _load.Enter();  // counted before a drain can take it
        if (!_queue.Writer.TryWrite(request))
        {
            if (frames) _load.Leave(1);
            throw new ObjectDisposedException(nameof(RecordStore));
        }
        // Work waiting for a pool thread may be other savers: blocking this thread on a sync would keep them from
        // joining the group (an inline commit never yields), so they queue together instead.
        if (alone && _options.InlineCommits && ThreadPool.PendingWorkItemCount == 0 && TryTakeToken())
        {
            // One pass on the caller's thread (it commits its own request and whatever queued before it); requests
            // queued meanwhile go to the background drain, so this caller is not kept committing for others.
            Interlocked.Increment(ref _inlineCommitCount);
            try
            {
                CommitAvailable(_queue.Reader, _batch);
            }
            finally
            {
                Interlocked.Exchange(ref _token, 0);
                if (_queue.Reader.TryPeek(out _)) Kick();
            }
        }
        else
        {
            // Other writes in flight: queue for the drain, so concurrent savers share a sync instead of each blocking
            // a (thread-pool) thread on a sync of its own, which starves the callers that would have joined the group.
            Kick();
        }
        return request.Completion.Task;
    }

    /// <summary>Durable logs append with O_DIRECT (<see cref="StoreOptions.DirectLogWrites"/>); Relaxed ones must not wait
    /// for the device on each write.</summary>
    private bool DirectLogWrites => _options.DirectLogWrites && _options.Durability == DurabilityMode.Durable;

    private bool TryTakeToken() => Interlocked.CompareExchange(ref _token, 1, 0) == 0;

    /// <summary>
    /// Token held: commits everything queued, then gives the token back. A request queued after the last pass by a
    /// caller that found the token held is seen by the check after the release (its writer queued before trying the
    /// token, and the release is a full fence), so no request is left without a committer.
    /// </summary>
    private void Drain()
    {
        do
        {
            try
            {
                CommitAvailable(_queue.Reader, _batch);
            }
            finally
            {
                Interlocked.Exchange(ref _token, 0);
            }
        }
        while (_queue.Reader.TryPeek(out _) && TryTakeToken());
    }

    /// <summary>Hands the queue to a background drain (dedicated thread or thread pool) unless someone commits already.</summary>
    private void Kick()
    {
        if (!TryTakeToken()) return;
        if (_options.DedicatedCommitThreads)
            _drainSignal.Release();
        else
            ThreadPool.UnsafeQueueUserWorkItem(static shard => shard.Drain(), this, preferLocal: false);
    }

    /// <summary>
    /// Dedicated drain thread: it blocks on its signal, so queued requests (concurrent savers, non-inline mode) pay one
    /// thread wake instead of two thread-pool hops and the fsync never occupies a pool thread.
    /// </summary>
    private void RunDrainThread()
    {
        while (true)
        {
            _drainSignal.Wait();
            if (_stopped) return;
            Drain(); // Kick took the token for us
        }
    }

    private Task StartCommitter() => _options.DedicatedCommitThreads
        ? Task.Factory.StartNew(RunDrainThread, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
        : Task.CompletedTask;

    /// <summary>Commits everything queued: frames in batches of up to 8 MiB, control requests in their order.</summary>
    private void CommitAvailable(ChannelReader<CommitRequest> reader, List<CommitRequest> batch)
    {
        long bytes = 0;
        while (reader.TryRead(out var request))
        {
            if (request.Control is not null)
            {
                CommitBatch(batch);
                bytes = 0;
                RunControl(request);
                continue;
            }
            batch.Add(request);
            bytes += request.Length;
            if (bytes >= MaxBatchBytes)
            {
                CommitBatch(batch);
                bytes = 0;
            }
        }
        CommitBatch(batch);
    }

    private void RunControl(CommitRequest request)
    {
        try
        {
            request.Control!(this);
            request.Completion.TrySetResult();
        }
        catch (Exception e)
        {
            request.Completion.TrySetException(e);
        }
    }

    private void CommitBatch(List<CommitRequest> batch)
    {
        if (batch.Count == 0) return;
        try
        {
            if (_fault is { } fault) throw new IOException($"Shard '{Path}' log failed earlier.", fault.SourceException);
            var log = EnsureActiveLog();
            long total = 0;
            var buffers = new ReadOnlyMemory<byte>[batch.Count];
            ulong lsn = _lastLsn;
            for (int i = 0; i < batch.Count; i++)
            {
                var request = batch[i];
                var span = request.Buffer.AsSpan(0, request.Length);
                int offset = 0;
                foreach (var frame in request.Frames)
                {
                    LogFrame.Stamp(span.Slice(offset, frame.Size), ++lsn);
                    offset += frame.Size;
                }
                buffers[i] = request.Buffer.AsMemory(0, request.Length);
                total += request.Length;
            }
            // Page-rounded: a direct append writes its last page whole (a log restored with an unaligned end included).
            if (DirectAppendWriter.PageCeiling(log.WriteOffset + total) > log.PreallocatedEnd)
                log.Preallocate(log.WriteOffset + total + PreallocationStep);
            try
            {
                _options.BeforeLogWrite?.Invoke(batch.Count);
                log.Append(buffers);
                if (_options.Durability == DurabilityMode.Durable)
                {
                    log.DataSync();
                    Interlocked.Increment(ref _syncCount);
                }
                else
                {
                    _dirty = true;
                }
            }
            catch (Exception e)
            {
                // The file's tail is now unknown; refuse further writes rather than risk a gap in the lsn chain.
                _fault = ExceptionDispatchInfo.Capture(e);
                throw new IOException($"Writing log '{log.Path}' at offset {log.WriteOffset} failed: {e.Message}", e);
            }
            ApplyBatch(batch, log, lsn);
            Interlocked.Increment(ref _commitCount);
            foreach (var request in batch) request.Completion.TrySetResult();
        }
        catch (Exception e)
        {
            foreach (var request in batch) request.Completion.TrySetException(StorageFullException.IsDiskFull(e) ? DiskFull(request, e) : e);
        }
        finally
        {
            foreach (var request in batch) ArrayPool<byte>.Shared.Return(request.Buffer);
            _load.Leave(batch.Count);
            batch.Clear();
        }
        MaybeRotate();
        _active?.ExtendAhead(PreallocationLowWater, PreallocationStep, RecordError);
    }

    /// <summary>A write refused for want of space, naming the store, the request's first key and the failed file operation.</summary>
    private StorageFullException DiskFull(CommitRequest request, Exception error)
    {
        string key = request.Frames.Length == 0 ? "" : System.Text.Encoding.UTF8.GetString(LogFrame.KeyBytes(request.Buffer.AsSpan(0, request.Frames[0].Size)));
        string store = _options.Name.Length > 0 ? $"Database '{_options.Name}'" : $"Store '{System.IO.Path.GetDirectoryName(Path)}'";
        return new StorageFullException($"{store}: the disk is full, so the write of '{key}' was not stored in it ({error.Message}). " +
            "Nothing stored before is affected; free space and retry.", error);
    }

    private void ApplyBatch(List<CommitRequest> batch, LogFile log, ulong lastLsn)
    {
        ulong lsn = _lastLsn;
        long offset = log.WriteOffset;
        lock (_lock)
        {
            foreach (var request in batch)
            {
                int position = 0;
                foreach (var frame in request.Frames)
                {
                    lsn++;
                    var key = LogFrame.KeyBytes(request.Buffer.AsSpan(position, frame.Size));
                    if (frame.Kind == FrameKind.Put)
                        ApplyPut(key, DirectoryEntry.InLog(frame.Revision, frame.Flags, lsn, log.Number, offset, frame.Size));
                    else
                        ApplyClearPending(key, frame.Revision);
                    offset += frame.Size;
                    position += frame.Size;
                }
            }
            log.WriteOffset = offset;
            log.LastLsn = lastLsn;
            _lastLsn = lastLsn;
        }
    }

    /// <summary>Relaxed mode: the periodic flush.</summary>
    public void FlushIfDirty()
    {
        if (!_dirty) return;
        _dirty = false;
        var log = Volatile.Read(ref _active);
        if (log is null || !log.TryAcquire()) return;
        try
        {
            log.DataSync();
            Interlocked.Increment(ref _syncCount);
        }
        finally
        {
            log.Release();
        }
    }

    /// <summary>Stops accepting requests, commits what was queued and stops the drain thread.</summary>
    public async Task StopCommitterAsync()
    {
        _queue.Writer.TryComplete();
        // Whoever holds the token finishes its pass; then this thread takes it for good and commits the rest.
        while (!TryTakeToken()) await Task.Delay(1).ConfigureAwait(false);
        CommitAvailable(_queue.Reader, _batch);
        _stopped = true;
        _drainSignal.Release();
        await _committer.ConfigureAwait(false);
        await _spareTask.ConfigureAwait(false);
        while (_active is { Extending: true }) await Task.Delay(1).ConfigureAwait(false);
        if (_dirty && _active is { } active)
        {
            _dirty = false;
            active.DataSync();
        }
    }
}
