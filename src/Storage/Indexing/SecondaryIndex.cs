using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Indexing;

/// <summary>
/// One persistent secondary index: an LSM-lite of a sorted in-memory <see cref="MemTable"/> and immutable sorted
/// <see cref="IndexRun"/> files. A write only adds an entry (its new key at its new version stamp); an entry is
/// current while the record's directory header has the same stamp and is live, so scans drop stale entries with a
/// directory lookup and merges drop them for good. Crash consistency: <c>MANIFEST.json</c> lists the live runs and a
/// per-shard watermark such that every live record whose version stamp is at or below it has its current entry in
/// the runs; opening re-adds the entries of records changed after the watermark (<see cref="Engine.RecordStore.ChangedSince"/>).
/// </summary>
internal sealed partial class SecondaryIndex : ISecondaryIndex
{
    private const string ManifestName = "MANIFEST.json";
    // The key-extraction rules the runs were written under (manifest "keys"; absent = 1). 2: a digits segment indexes
    // into an array (FieldPath). Runs of an index whose paths have such a segment, written under 1, are rebuilt.
    private const int KeyRules = 2;
    private readonly IndexedRecords _records;
    private readonly object _gate = new();
    // One flush, merge or build at a time: each swaps the frozen memtable and rewrites the manifest.
    private readonly SemaphoreSlim _work = new(1, 1);
    private MemTable _active = new();
    private MemTable? _frozen;
    private IndexRun[] _runs = [];
    private ulong[] _watermark;
    private long _nextRun = 1;
    private int _busy;
    private volatile bool _closing;
    private Task _maintenance = Task.CompletedTask;

    public SecondaryIndex(IndexDefinition definition, string folder, IndexedRecords records)
    {
        Definition = definition;
        Folder = folder;
        _records = records;
        _watermark = new ulong[records.Records.ShardCount];
    }

    public IndexDefinition Definition { get; }

    /// <summary>Where the manifest and run files live.</summary>
    public string Folder { get; }

    /// <summary>Built (or loaded) and caught up: the planner may use it.</summary>
    public bool IsReady
    {
        get => _ready;
        private set => _ready = value;
    }

    private volatile bool _ready;

    /// <summary>The <see cref="FlushThreshold"/> of indexes opened from now on (crash tests lower it to flush often).</summary>
    internal static int DefaultFlushThreshold { get; set; } = 64 * 1024;

    /// <summary>Memtable size that starts a flush to a run.</summary>
    public int FlushThreshold { get; set; } = DefaultFlushThreshold;

    /// <summary>Run count above which the runs are merged into one.</summary>
    public int MergeThreshold { get; set; } = 4;

    /// <summary>The last error of background work (a flush or merge), if any.</summary>
    public Exception? LastError { get; private set; }

    /// <summary>Live run files (tests).</summary>
    internal IReadOnlyList<IndexRun> Runs
    {
        get { lock (_gate) return _runs; }
    }

    /// <summary>Entries in memory not yet in a run (tests).</summary>
    internal int MemTableCount
    {
        get { lock (_gate) return _active.Count + (_frozen?.Count ?? 0); }
    }

    /// <summary>Adds the entry of a write (the observer's whole per-write work: key extraction and an insert).</summary>
    public void OnWritten(string id, DocumentRecord? record, ulong sequence)
    {
        var item = IndexedRecords.ItemFor(Definition.Paths, id, record, sequence);
        if (item is null) return; // a deletion: the old entry is stale now, dropped lazily
        int count;
        lock (_gate)
        {
            _active.Add(item);
            count = _active.Count;
        }
        // Not while building or loading: a flush then would promise a watermark the build has not reached.
        if (count >= FlushThreshold && IsReady) RequestMaintenance();
    }

    /// <summary>Loads the manifest and runs and catches up with the records; false when a file is missing or corrupt (rebuild).</summary>
    public async ValueTask<bool> LoadAsync(CancellationToken cancellationToken)
    {
        string manifest = Path.Combine(Folder, ManifestName);
        if (!File.Exists(manifest)) return false;
        var runs = new List<IndexRun>();
        try
        {
            var json = JsonNode.Parse(await File.ReadAllBytesAsync(manifest, cancellationToken).ConfigureAwait(false))!.AsObject();
            var names = json["runs"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
            var watermark = json["watermark"]!.AsArray().Select(n => n!.GetValue<ulong>()).ToArray();
            _nextRun = json["next"]!.GetValue<long>();
            if (watermark.Length != _watermark.Length) return false;
            if ((json["keys"]?.GetValue<int>() ?? 1) < KeyRules && Definition.Paths.Any(p => p.HasPositions)) return false;
            foreach (string name in names) runs.Add(IndexRun.Open(Path.Combine(Folder, name), verify: true));
            var keep = new HashSet<string>(names, StringComparer.Ordinal) { ManifestName };
            foreach (var file in Directory.EnumerateFiles(Folder))
            {
                if (!keep.Contains(Path.GetFileName(file))) IndexRun.TryDelete(file);
            }
            lock (_gate)
            {
                _runs = [.. runs];
                _watermark = watermark;
            }
        }
        catch (Exception e) when (e is CorruptDataException or IOException or FormatException or InvalidOperationException or NullReferenceException or System.Text.Json.JsonException)
        {
            foreach (var run in runs) run.Release();
            return false;
        }
        await CatchUpAsync(cancellationToken).ConfigureAwait(false);
        IsReady = true;
        // Each close flushes a run: a store opened and closed often would pile them up without a merge here.
        RequestMaintenance();
        return true;
    }

    /// <summary>Builds the index from every record under the prefix: a sorted bulk load straight into one run.</summary>
    /// <remarks>The caller subscribed this index to writes first, so writes during the build reach the memtable;
    /// the validity rule makes an entry present in both harmless.</remarks>
    public async ValueTask BuildAsync(IProgress<long>? progress, CancellationToken cancellationToken)
    {
        await _work.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await BuildCoreAsync(progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _work.Release();
        }
    }

    private async ValueTask BuildCoreAsync(IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ResetFiles();
        int shards = _records.Records.ShardCount;
        var watermark = new ulong[shards];
        var perShard = new List<IndexItem>[shards];
        long done = 0;
        var paths = Definition.Paths;
        await Parallel.ForEachAsync(Enumerable.Range(0, shards), new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) },
            (shard, ct) =>
            {
                // One bulk scan in storage order: each segment block decoded once, the logs read in large chunks.
                var (items, highest) = _records.ScanItems(shard, 0, paths, () =>
                {
                    long n = Interlocked.Increment(ref done);
                    if ((n & 4095) == 0) progress?.Report(n);
                }, ct);
                watermark[shard] = highest;
                items.Sort(IndexItem.Order); // per shard, in parallel; the write merges the shards' lists
                perShard[shard] = items;
                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);
        var run = WriteRun(ItemMerge.Merge(perShard, descending: false), cancellationToken);
        IndexRun[] runs;
        lock (_gate)
        {
            _runs = run is null ? [] : [run];
            _watermark = watermark;
            runs = _runs;
        }
        WriteManifest(runs, watermark);
        progress?.Report(done);
        IsReady = true;
    }

    public IEnumerable<IndexHit> Scan(KeyRange range, bool descending, IndexHit? after = null)
    {
        byte[]? afterEntry = after is { } a ? IndexItem.Compose(a.Key.Span, a.Id) : null;
        byte[]? seek;
        if (!descending)
        {
            seek = range.Low;
            if (range.Low is not null && range.LowIsPrefix && !range.LowInclusive)
            {
                seek = Successor(range.Low);
                if (seek is null) yield break;
            }
            if (afterEntry is not null && (seek is null || afterEntry.AsSpan().SequenceCompareTo(seek) > 0)) seek = afterEntry;
        }
        else
        {
            // Everything starting with High sorts below its successor; the range test trims the rest.
            seek = range.High is null ? null : Successor(range.High);
            if (afterEntry is not null && (seek is null || afterEntry.AsSpan().SequenceCompareTo(seek) < 0)) seek = afterEntry;
        }
        var sources = new List<IEnumerable<IndexItem>>(8);
        var held = new List<IndexRun>(8);
        try
        {
            lock (_gate)
            {
                sources.Add(_active.Scan(seek, descending));
                if (_frozen is not null) sources.Add(_frozen.Scan(seek, descending));
                foreach (var run in _runs)
                {
                    if (!run.TryAcquire()) continue;
                    held.Add(run);
                    sources.Add(run.Scan(seek, descending));
                }
            }
            foreach (var item in ItemMerge.Merge(sources, descending))
            {
                var key = item.Key.Span;
                if (!descending)
                {
                    if (!range.BelowHigh(key)) yield break;
                    if (!range.AboveLow(key)) continue;
                    if (afterEntry is not null && item.Entry.AsSpan().SequenceEqual(afterEntry)) continue;
                }
                else
                {
                    if (!range.AboveLow(key)) yield break;
                    if (!range.BelowHigh(key)) continue;
                }
                if (!_records.IsCurrent(item.Id, item.Sequence)) continue;
                yield return new IndexHit(item.Key, item.Id, item.Sequence);
            }
        }
        finally
        {
            foreach (var run in held) run.Release();
        }
    }

    /// <summary>Stops background work and writes the memtable to a run so the next open has little to catch up.</summary>
    public async ValueTask CloseAsync(bool flush)
    {
        _closing = true;
        await WaitForMaintenanceAsync().ConfigureAwait(false);
        if (flush && IsReady && LastError is null)
        {
            try { await FlushAsync().ConfigureAwait(false); }
            catch (Exception e) when (e is IOException or ObjectDisposedException) { } // the next open catches up from the watermark
        }
        IndexRun[] runs;
        lock (_gate)
        {
            runs = _runs;
            _runs = [];
        }
        foreach (var run in runs) run.Release();
    }

    /// <summary>Deletes every file of this index (before a rebuild, or when the index is deleted).</summary>
    public void ResetFiles()
    {
        IndexRun[] runs;
        lock (_gate)
        {
            runs = _runs;
            _runs = [];
        }
        foreach (var run in runs) run.Retire();
        if (Directory.Exists(Folder))
        {
            foreach (var file in Directory.EnumerateFiles(Folder)) IndexRun.TryDelete(file);
        }
        Directory.CreateDirectory(Folder);
    }

    private async ValueTask CatchUpAsync(CancellationToken cancellationToken)
    {
        ulong[] watermark;
        lock (_gate) watermark = _watermark;
        for (int shard = 0; shard < watermark.Length; shard++)
        {
            // A bulk scan reads only the changed records, in storage order (few: a pread each; many: chunked reads).
            var (items, _) = _records.ScanItems(shard, watermark[shard], Definition.Paths, null, cancellationToken);
            lock (_gate)
                foreach (var item in items) _active.Add(item);
        }
    }

    /// <summary>The smallest byte string above every string starting with <paramref name="prefix"/>; null when none.</summary>
    internal static byte[]? Successor(byte[] prefix)
    {
        int end = prefix.Length;
        while (end > 0 && prefix[end - 1] == 0xFF) end--;
        if (end == 0) return null;
        var result = prefix.AsSpan(0, end).ToArray();
        result[^1]++;
        return result;
    }
}
