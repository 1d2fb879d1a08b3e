namespace MyNoSql.Storage.Engine;

/// <summary>
/// The shard's log files for the commit path: the active log prepared at open, the spare prepared in the background
/// once the active log is half full, rotation between batches (a pointer swap).
/// </summary>
internal sealed partial class Shard
{
    private LogFile EnsureActiveLog()
    {
        if (_active is { } active) return active;
        // Only when opening could not prepare it (e.g. a full disk then): the open still serves reads.
        var log = CreateLog(InitialPreallocation);
        Volatile.Write(ref _active, log);
        return log;
    }

    /// <summary>
    /// At open, before the committer starts: gives the shard an active log with <see cref="InitialPreallocation"/>
    /// zeroed bytes ahead (a new log, one manifest write; or a top-up of a log that close truncated). Doing this on
    /// the first writes instead cost a zero-fill + fsync + manifest rewrite on the commit path and two more in the
    /// background while the first saves synced. The spare is prepared later, once the log is half full.
    /// </summary>
    private void PrepareLogForWrites()
    {
        try
        {
            if (_active is { } active)
            {
                // Logs a close left unsealed are rotated and sealed right after open (RecordStore.StartBackground):
                // ready their successor now, so that rotation is a pointer swap and not a zero-fill on the commit path.
                if (_options.BackgroundCompaction && LogBytes >= Math.Max(1, _options.SealAfterOpenBytes))
                    _spare ??= CreateLog(InitialPreallocation);
                else if (active.PreallocatedEnd - active.WriteOffset < PreallocationLowWater)
                    active.Preallocate(active.WriteOffset + InitialPreallocation);
                // A log that ends mid-page (truncated at close, or written by an older version) is zero-filled to a page
                // boundary now, before any commit: no later zero-fill then writes through the page cache into a page a
                // direct append covers.
                active.Preallocate(active.PreallocatedEnd);
            }
            else
            {
                _active = CreateLog(InitialPreallocation);
            }
        }
        catch (IOException e)
        {
            RecordError(e); // e.g. a full disk: the store still opens for reads; the first write retries
        }
    }

    /// <summary>Creates a zero-filled log and lists it in the manifest (recovery replays only listed logs).</summary>
    private LogFile CreateLog(long preallocate)
    {
        lock (_manifestLock)
        {
            int number = _nextFileNumber++;
            var log = LogFile.Create(System.IO.Path.Combine(Path, LogFile.FileName(number)), number, preallocate, DirectLogWrites);
            _manifestLogs.Add(number);
            try
            {
                SaveManifest();
            }
            catch
            {
                _manifestLogs.Remove(number);
                log.Retire();
                File.Delete(log.Path);
                throw;
            }
            lock (_lock) _logs[number] = log;
            return log;
        }
    }

    private void StartSparePreparation()
    {
        if (Volatile.Read(ref _spare) is not null || Interlocked.CompareExchange(ref _sparePreparing, 1, 0) != 0) return;
        // Off the commit path: zero-filling a whole log and a manifest write cost milliseconds.
        _spareTask = Task.Run(() =>
        {
            try
            {
                long size = Math.Min(_options.LogSealThresholdBytes + PreallocationStep, MaxSparePreallocation);
                Volatile.Write(ref _spare, CreateLog(size));
            }
            catch (Exception e)
            {
                RecordError(e); // the committer keeps writing to the current log and retries later
            }
            finally
            {
                Volatile.Write(ref _sparePreparing, 0);
            }
        });
    }

    private void MaybeRotate()
    {
        if (_active is not { } active || active.WriteOffset < _options.LogSealThresholdBytes / 2) return;
        // Half full: prepare the spare now, so it is ready (a pointer swap) when the log reaches the threshold.
        bool spareReady = Volatile.Read(ref _spare) is not null;
        if (!spareReady) StartSparePreparation();
        if (spareReady && active.WriteOffset >= _options.LogSealThresholdBytes) Rotate();
    }

    /// <summary>Committer only: switches writes to the spare and hands the old log to the compactor.</summary>
    private void Rotate()
    {
        var old = _active;
        if (old is null || old.WriteOffset == 0) return;
        // Relaxed mode: the old log must be durable before any frame lands in the next one (no lsn gaps after a crash).
        if (_options.Durability != DurabilityMode.Durable) old.DataSync();
        var next = Interlocked.Exchange(ref _spare, null) ?? CreateLog(InitialPreallocation);
        lock (_lock) _rotated.Add(old);
        Volatile.Write(ref _active, next);
        _onRotated(); // the next spare is prepared once this log is half full (MaybeRotate)
    }

    /// <summary>Rotates through the commit queue so it happens between batches.</summary>
    public Task RotateAsync() => EnqueueAsync(new CommitRequest(static shard => shard.Rotate()));
}
