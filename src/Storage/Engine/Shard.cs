using System.Runtime.InteropServices;
using System.Threading.Channels;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// One shard: its directory slice, live log files (committer-owned active log, a preallocated spare, rotated logs
/// awaiting sealing) and segment files. Split by concern: open/recovery here, then Commit, Read and Seal partials.
/// </summary>
internal sealed partial class Shard
{
    private readonly object _lock = new();          // _dir, _segments, _logs, _rotated, _pendingCount, _clearedCount
    private readonly object _manifestLock = new();  // manifest lists and file numbering
    private readonly KeyDirectory _dir;
    private readonly Dictionary<int, SegmentReader> _segments = [];
    private readonly Dictionary<int, LogFile> _logs = [];
    private readonly List<LogFile> _rotated = [];
    private readonly List<int> _manifestSegments;
    private readonly List<int> _manifestLogs;
    private readonly StoreOptions _options;
    private readonly BlockCache _cache;
    private readonly Action _onRotated;
    private ulong _sealedLsn;
    private ulong _closedLsn; // the last clean close's lsn (ShardManifest.ClosedLsn): replay must reach it
    private int _nextFileNumber;
    private long _pendingCount;
    private int _clearedCount;

    private Shard(int index, string path, StoreOptions options, BlockCache cache, Action onRotated, ShardManifest manifest, int capacity)
    {
        Index = index;
        Path = path;
        _options = options;
        _cache = cache;
        _onRotated = onRotated;
        _sealedLsn = manifest.SealedLsn;
        _closedLsn = manifest.ClosedLsn;
        _nextFileNumber = manifest.NextFileNumber;
        _manifestSegments = [.. manifest.Segments];
        _manifestLogs = [.. manifest.Logs];
        _dir = new KeyDirectory(capacity);
        _queue = Channel.CreateUnbounded<CommitRequest>(new UnboundedChannelOptions { SingleReader = false } /* whoever holds the commit token reads */);
    }

    public int Index { get; }
    public string Path { get; }

    /// <summary>Keys that hold a record (tombstones included); cleared keys stay in the directory but are not counted.</summary>
    public int Count { get { lock (_lock) return _dir.Count - _clearedCount; } }
    public long PendingCount => Interlocked.Read(ref _pendingCount);

    public static string FolderName(int index) => $"shard-{index:D2}";

    /// <summary>Opens the shard: segment indexes (no block decoded), then the log tail replay.</summary>
    public static Shard Open(int index, string path, StoreOptions options, BlockCache cache, Action onRotated, CommitLoad? load = null)
    {
        System.IO.Directory.CreateDirectory(path);
        var manifest = ShardManifest.Load(System.IO.Path.Combine(path, ShardManifest.FileName));
        DeleteLeftovers(path, manifest);
        var shard = new Shard(index, path, options, cache, onRotated, manifest, EstimateCapacity(path, manifest));
        shard._load = load ?? new CommitLoad();
        try
        {
            shard.LoadSegments();
            shard.ReplayLogs();
            shard.PrepareLogForWrites();
        }
        catch
        {
            shard.CloseFiles();
            throw;
        }
        shard._committer = shard.StartCommitter();
        if (shard._rotated.Count > 0) onRotated();
        return shard;
    }

    private static int EstimateCapacity(string path, ShardManifest manifest)
    {
        // Presizing avoids the dictionary's doubling slack (tens of MB with a million keys). Duplicates across
        // segments over-count a little; rewrites keep that below 2×.
        long records = 0;
        foreach (int s in manifest.Segments)
            records += SegmentReader.PeekRecordCount(System.IO.Path.Combine(path, SegmentFormat.FileName(s)));
        return (int)Math.Min(records, 16_000_000);
    }

    private static void DeleteLeftovers(string path, ShardManifest manifest)
    {
        var live = new HashSet<string>(StringComparer.Ordinal) { ShardManifest.FileName };
        foreach (int s in manifest.Segments) live.Add(SegmentFormat.FileName(s));
        foreach (int l in manifest.Logs) live.Add(LogFile.FileName(l));
        foreach (var file in System.IO.Directory.EnumerateFiles(path))
        {
            string name = System.IO.Path.GetFileName(file);
            bool ours = name.EndsWith(".tmp", StringComparison.Ordinal) || name.EndsWith(".lzs", StringComparison.Ordinal) ||
                        name.EndsWith(".wal", StringComparison.Ordinal);
            if (ours && !live.Contains(name)) File.Delete(file);
        }
    }

    private void LoadSegments()
    {
        // Live counts: records that won (so far) per segment; a later winner takes one back from the loser.
        var live = new Dictionary<int, int>();
        foreach (int number in _manifestSegments)
        {
            string file = System.IO.Path.Combine(Path, SegmentFormat.FileName(number));
            if (!File.Exists(file)) throw new CorruptDataException(file, 0, "segment listed in the shard manifest is missing");
            int won = 0;
            var reader = SegmentReader.Open(file, number, (key, revision, flags, lsn, block, slot) =>
            {
                ref var entry = ref _dir.EntryAt(_dir.FindOrAdd(key, out bool added));
                if (!added)
                {
                    // The highest lsn wins; on a tie (a record re-homed with new flags) the later segment is the newer copy.
                    if (entry.Lsn > lsn) return;
                    if (entry.IsPending) _pendingCount--;
                    if (entry.IsCleared) _clearedCount--;
                    if (entry.SegmentNumber == number) won--;
                    else live[entry.SegmentNumber]--;
                }
                entry = DirectoryEntry.InSegmentSlot(revision, flags, lsn, number, block, slot);
                if (entry.IsPending) _pendingCount++;
                if (entry.IsCleared) _clearedCount++;
                won++;
            });
            live[number] = won;
            _segments[number] = reader;
        }
        foreach (var (number, count) in live) _segments[number].AddLive(count);
    }

    private void ReplayLogs()
    {
        var logs = new List<LogFile>();
        foreach (int number in _manifestLogs)
        {
            string file = System.IO.Path.Combine(Path, LogFile.FileName(number));
            if (!File.Exists(file)) throw new CorruptDataException(file, 0, "log listed in the shard manifest is missing");
            var log = LogFile.Open(file, number, DirectLogWrites);
            logs.Add(log);
            _logs[number] = log;
        }
        _lastLsn = LogRecovery.Replay(logs, _sealedLsn, _closedLsn, ApplyRecoveredFrame);
        if (_lastLsn < _closedLsn) // only without logs: replay itself reports a log that ends short
            throw new CorruptDataException(System.IO.Path.Combine(Path, ShardManifest.FileName), 0,
                $"no log is listed after lsn {_lastLsn}, but the store was closed cleanly at lsn {_closedLsn}: {_closedLsn - _lastLsn} acknowledged writes are missing");
        if (logs.Count == 0) return;
        // The writer continues in the last log holding frames; logs before it await sealing, later ones are spares.
        int active = logs.FindLastIndex(l => l.LastLsn > 0);
        if (active < 0) active = 0;
        _rotated.AddRange(logs.Take(active));
        _active = logs[active];
        if (active + 1 < logs.Count) _spare = logs[active + 1];
        var extra = logs.Skip(active + 2).ToList();
        if (extra.Count > 0) DropLogs(extra);
    }

    private void ApplyRecoveredFrame(ReadOnlySpan<byte> frame, int size, LogFile log, long offset)
    {
        var revision = LogFrame.Revision(frame);
        if (LogFrame.Kind(frame) == FrameKind.Put)
            ApplyPut(LogFrame.KeyBytes(frame), DirectoryEntry.InLog(revision, LogFrame.Flags(frame), LogFrame.Lsn(frame), log.Number, offset, size));
        else
            ApplyClearPending(LogFrame.KeyBytes(frame), revision);
    }

    /// <summary>Caller holds <see cref="_lock"/> (or is the single-threaded open).</summary>
    private void ApplyPut(ReadOnlySpan<byte> key, DirectoryEntry entry)
    {
        ref var slot = ref _dir.EntryAt(_dir.FindOrAdd(key, out bool added));
        if (!added)
        {
            if (slot.IsPending) _pendingCount--;
            if (slot.IsCleared) _clearedCount--;
            if (slot.InSegment && _segments.TryGetValue(slot.SegmentNumber, out var old)) old.AddLive(-1);
        }
        slot = entry;
        if (entry.IsPending) _pendingCount++;
        if (entry.IsCleared) _clearedCount++;
    }

    /// <summary>Caller holds <see cref="_lock"/>. Clears Pending only if the revision is still current.</summary>
    private void ApplyClearPending(ReadOnlySpan<byte> key, Revision revision)
    {
        int index = _dir.Find(key);
        if (index < 0) return;
        ref var slot = ref _dir.EntryAt(index);
        if (!slot.IsPending || slot.Revision != revision) return;
        var flags = slot.Flags & ~RecordFlags.Pending;
        // The segment still says Pending; mark the entry so the next seal persists the change.
        if (slot.InSegment) flags |= DirectoryEntry.FlagsOverride;
        slot = slot.WithFlags(flags);
        _pendingCount--;
    }

    /// <summary>Removes logs from the manifest and deletes them (empty spares, sealed logs).</summary>
    private void DropLogs(IReadOnlyList<LogFile> logs)
    {
        UpdateManifest(() =>
        {
            foreach (var log in logs) _manifestLogs.Remove(log.Number);
        });
        RetireLogs(logs);
    }

    private void RetireLogs(IEnumerable<LogFile> logs)
    {
        foreach (var log in logs)
        {
            lock (_lock) _logs.Remove(log.Number);
            log.Retire();
            _cache.Evict(log.CacheId);
            File.Delete(log.Path);
        }
    }

    /// <summary>Applies <paramref name="change"/> to the manifest state and saves it; on failure the in-memory state
    /// is restored, so memory never claims what the disk does not.</summary>
    private void UpdateManifest(Action change)
    {
        lock (_manifestLock)
        {
            var segments = _manifestSegments.ToArray();
            var logs = _manifestLogs.ToArray();
            ulong sealedLsn = _sealedLsn, closedLsn = _closedLsn;
            change();
            try
            {
                SaveManifest();
            }
            catch
            {
                _manifestSegments.Clear();
                _manifestSegments.AddRange(segments);
                _manifestLogs.Clear();
                _manifestLogs.AddRange(logs);
                _sealedLsn = sealedLsn;
                _closedLsn = closedLsn;
                throw;
            }
        }
    }

    /// <summary>Caller holds <see cref="_manifestLock"/>.</summary>
    private void SaveManifest()
        => new ShardManifest(_sealedLsn, _nextFileNumber, [.. _manifestSegments], [.. _manifestLogs], _closedLsn)
            .Save(System.IO.Path.Combine(Path, ShardManifest.FileName));

    private int AllocateFileNumber()
    {
        lock (_manifestLock) return _nextFileNumber++;
    }

    /// <summary>Closes every handle (the files stay).</summary>
    private void CloseFiles()
    {
        lock (_lock)
        {
            foreach (var segment in _segments.Values) segment.Retire();
            foreach (var log in _logs.Values) log.Retire();
            _segments.Clear();
            _logs.Clear();
        }
    }
}
