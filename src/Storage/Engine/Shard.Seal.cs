namespace MyNoSql.Storage.Engine;

/// <summary>
/// Compaction: sealing rotated logs into LZMA segments and rewriting segments that are mostly superseded.
/// Runs off the save path (compactor task or CompactAsync), one at a time per shard. Directory entries are repointed
/// with compare-and-swap on the location, so a key rewritten meanwhile keeps its newer location.
/// </summary>
internal sealed partial class Shard
{
    private readonly SemaphoreSlim _compaction = new(1, 1);
    private long _seals;
    private long _rewrites;
    private readonly HashSet<int> _damaged = [];   // segments with unreadable blocks: never rewritten again
    private volatile Exception? _lastError;

    public long Seals => Interlocked.Read(ref _seals);
    public long Rewrites => Interlocked.Read(ref _rewrites);
    public Exception? LastError => _lastError;

    public int SegmentCount { get { lock (_lock) return _segments.Count; } }
    public long SegmentBytes { get { lock (_lock) return _segments.Values.Sum(s => s.FileLength); } }

    private void RecordError(Exception e) => _lastError = e;

    /// <summary>Seals rotated logs (optionally rotating the active one first) and rewrites sparse segments, on
    /// <paramref name="worker"/>'s low-priority thread when given (the background compactor), else on the pool.</summary>
    public async Task CompactAsync(bool rotateActive, CancellationToken cancellationToken, BackgroundWorker? worker = null)
    {
        await _compaction.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (rotateActive) await RotateAsync().ConfigureAwait(false);
            void Work()
            {
                SealRotated(cancellationToken);
                RewriteSegments(cancellationToken);
            }
            await (worker is null ? Task.Run(Work, cancellationToken) : worker.RunAsync(Work, cancellationToken)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            RecordError(e);
            throw;
        }
        finally
        {
            _compaction.Release();
        }
    }

    /// <summary>Drains the committer, then seals every log (or trims their preallocated zeros) and closes the files.</summary>
    public async Task CloseAsync(bool seal)
    {
        await StopCommitterAsync().ConfigureAwait(false);
        await _compaction.WaitAsync().ConfigureAwait(false);
        try
        {
            if (seal) SealAllForClose();
            else TruncateLogs();
        }
        finally
        {
            _compaction.Release();
            CloseFiles();
        }
    }

    /// <summary>After the committer stopped: seals every log, the active one included, so only segments remain.</summary>
    private void SealAllForClose()
    {
        lock (_lock)
        {
            foreach (var log in new[] { _active, _spare })
                if (log is not null && !_rotated.Contains(log)) _rotated.Add(log);
            _active = null;
            _spare = null;
        }
        SealRotated(CancellationToken.None);
        RewriteSegments(CancellationToken.None);
    }

    /// <summary>
    /// Close without sealing: truncates the logs' preallocated zeros, then records the last lsn as the clean close's
    /// (<see cref="ShardManifest.ClosedLsn"/>), so the next open refuses logs that lost any of it instead of taking
    /// them for a torn tail.
    /// </summary>
    private void TruncateLogs()
    {
        // An unused spare is just preallocated zeros: drop it; the next open prepares a new one when writes come.
        var spare = Interlocked.Exchange(ref _spare, null);
        lock (_lock)
            foreach (var log in _logs.Values)
                if (log != spare) log.TruncateToWritten(); // syncs: every frame up to _lastLsn is on disk now
        if (spare is null && _closedLsn == _lastLsn) return; // nothing written since the last close
        UpdateManifest(() =>
        {
            if (spare is not null) _manifestLogs.Remove(spare.Number);
            _closedLsn = _lastLsn;
        });
        if (spare is not null) RetireLogs([spare]);
    }

    private void SealRotated(CancellationToken cancellationToken)
    {
        List<LogFile> logs;
        lock (_lock) logs = [.. _rotated];
        if (logs.Count == 0) return;
        var numbers = logs.Select(l => l.Number).ToHashSet();
        var snapshot = new List<(int Slot, DirectoryEntry Entry)>();
        lock (_lock)
        {
            for (int i = 0; i < _dir.Count; i++)
            {
                ref var entry = ref _dir.EntryAt(i);
                if (entry.HasOverride || (!entry.InSegment && numbers.Contains((int)entry.File))) snapshot.Add((i, entry));
            }
        }
        ulong sealedLsn = Math.Max(_sealedLsn, logs.Max(l => l.LastLsn));
        WriteSegmentAndSwap(snapshot, logs, [], sealedLsn, cancellationToken);
        lock (_lock) _rotated.RemoveAll(logs.Contains);
        RetireLogs(logs);
        Interlocked.Increment(ref _seals);
    }

    /// <summary>Rewrites segments below 50 % live (and merges small ones) into one new segment.</summary>
    private void RewriteSegments(CancellationToken cancellationToken)
    {
        List<SegmentReader> candidates;
        lock (_lock)
        {
            var usable = _segments.Values.Where(s => !_damaged.Contains(s.Number)).ToList();
            candidates = [.. usable.Where(s => s.LiveCount * 2 < s.RecordCount)];
            var small = usable.Where(s => s.FileLength < SmallSegmentBytes && !candidates.Contains(s)).ToList();
            if (small.Count + candidates.Count(c => c.FileLength < SmallSegmentBytes) >= 4) candidates.AddRange(small);
        }
        if (candidates.Count == 0) return;
        var numbers = candidates.Select(s => s.Number).ToHashSet();
        var snapshot = new List<(int Slot, DirectoryEntry Entry)>();
        lock (_lock)
        {
            for (int i = 0; i < _dir.Count; i++)
            {
                ref var entry = ref _dir.EntryAt(i);
                if (entry.InSegment && numbers.Contains(entry.SegmentNumber)) snapshot.Add((i, entry));
            }
        }
        WriteSegmentAndSwap(snapshot, [], candidates, _sealedLsn, cancellationToken);
        Interlocked.Increment(ref _rewrites);
    }

    private long SmallSegmentBytes => Math.Max(64L << 10, _options.LogSealThresholdBytes / 8);

    /// <summary>
    /// Writes the snapshot's records into a new segment, commits the manifest (new segment in; sealed logs and
    /// replaced segments out), repoints unchanged entries and retires the replaced segments.
    /// </summary>
    private void WriteSegmentAndSwap(List<(int Slot, DirectoryEntry Entry)> snapshot, IReadOnlyList<LogFile> sealedLogs,
        IReadOnlyList<SegmentReader> replaced, ulong sealedLsn, CancellationToken cancellationToken)
    {
        // Key bytes of existing slots are immutable and readable without the lock.
        snapshot.Sort((a, b) => _dir.KeyAt(a.Slot).SequenceCompareTo(_dir.KeyAt(b.Slot)));
        SegmentReader? created = null;
        var source = new CompactionSource(this);
        var written = new List<(int Index, int Block, int Slot)>(snapshot.Count);
        if (snapshot.Count > 0)
        {
            int number = AllocateFileNumber();
            string path = System.IO.Path.Combine(Path, SegmentFormat.FileName(number));
            using (var writer = new SegmentWriter(path, _options))
            {
                for (int i = 0; i < snapshot.Count; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var (index, entry) = snapshot[i];
                    if (!source.TryRead(entry, out var payload)) continue; // unreadable block: the entry stays put
                    var (block, slot) = writer.Add(_dir.KeyAt(index), entry.Revision, entry.Flags, entry.Lsn, payload);
                    written.Add((i, block, slot));
                }
                if (written.Count > 0) writer.Finish();
            }
            if (written.Count > 0) created = SegmentReader.Open(path, number, static (_, _, _, _, _, _) => { }, deriveRevisions: false);
        }
        // A segment with unreadable blocks keeps its file: the records that could not be copied still live there.
        replaced = [.. replaced.Where(s => !source.Damaged.Contains(s.Number))];
        lock (_lock) _damaged.UnionWith(source.Damaged);
        try
        {
            UpdateManifest(() =>
            {
                if (created is not null) _manifestSegments.Add(created.Number);
                foreach (var segment in replaced) _manifestSegments.Remove(segment.Number);
                foreach (var log in sealedLogs) _manifestLogs.Remove(log.Number);
                _sealedLsn = sealedLsn;
            });
        }
        catch
        {
            // Not committed: the old files stay authoritative; the new segment is removed (or by the next open).
            if (created is not null)
            {
                created.Retire();
                try { File.Delete(created.Path); }
                catch (IOException) { }
            }
            throw;
        }
        lock (_lock)
        {
            if (created is not null)
            {
                _segments[created.Number] = created;
                foreach (var (i, block, slot) in written)
                {
                    var (index, old) = snapshot[i];
                    ref var current = ref _dir.EntryAt(index);
                    if (!current.SameLocation(old)) continue; // rewritten meanwhile: keeps its newer location
                    var flags = current.Flags;
                    if (flags != old.Flags) flags |= DirectoryEntry.FlagsOverride; // changed after the snapshot
                    var previous = current;
                    current = DirectoryEntry.InSegmentSlot(previous.Revision, flags, previous.Lsn, created.Number, block, slot);
                    created.AddLive(1);
                    if (previous.InSegment && _segments.TryGetValue(previous.SegmentNumber, out var from)) from.AddLive(-1);
                }
            }
            foreach (var segment in replaced) _segments.Remove(segment.Number);
        }
        foreach (var segment in replaced)
        {
            segment.Retire();
            _cache.Evict(segment.CacheId);
            File.Delete(segment.Path);
        }
    }
}
