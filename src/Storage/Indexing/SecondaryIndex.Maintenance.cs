using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Indexing;

/// <summary>The background half of a <see cref="SecondaryIndex"/>: memtable flushes, run merges, and the manifest they rewrite.</summary>
internal sealed partial class SecondaryIndex
{
    /// <summary>Writes the memtable to a run now (tests; closing).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _work.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await FlushCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _work.Release();
        }
    }

    private async Task FlushCoreAsync(CancellationToken cancellationToken)
    {
        MemTable frozen;
        ulong[] previous;
        lock (_gate)
        {
            if (_active.Count == 0) return;
            frozen = _frozen = _active;
            _active = new MemTable();
            previous = _watermark;
        }
        try
        {
            await FlushFrozenAsync(frozen, previous, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Scans must keep seeing these entries: put them back (an entry present twice is harmless).
            lock (_gate)
            {
                foreach (var item in frozen.Snapshot()) _active.Add(item);
                _frozen = null;
            }
            throw;
        }
    }

    private async Task FlushFrozenAsync(MemTable frozen, ulong[] previous, CancellationToken cancellationToken)
    {
        var items = frozen.Snapshot();
        var present = new HashSet<(string, ulong)>(items.Select(i => (i.Id, i.Sequence)));
        var watermark = (ulong[])previous.Clone();
        var extra = new List<IndexItem>();
        // Observers are called after the directory moved on, so a record below the new watermark may not have reached
        // the memtable yet (its notification is in flight): read those, so the watermark's promise holds.
        for (int shard = 0; shard < watermark.Length; shard++)
        {
            foreach (var header in _records.ChangedSince(shard, previous[shard]))
            {
                watermark[shard] = Math.Max(watermark[shard], header.Sequence);
                if ((header.Flags & Engine.RecordFlags.Deleted) != 0 || present.Contains((_records.IdOf(header.Key), header.Sequence))) continue;
                var item = await _records.ReadItemAsync(header.Key, Definition.Paths, cancellationToken).ConfigureAwait(false);
                if (item is not null) extra.Add(item);
            }
        }
        IEnumerable<IndexItem> sorted = items;
        if (extra.Count > 0)
        {
            extra.Sort(IndexItem.Order);
            sorted = ItemMerge.Merge([items, extra], descending: false);
        }
        var run = WriteRun(sorted.Where(i => _records.IsCurrent(i.Id, i.Sequence)), cancellationToken);
        IndexRun[] runs;
        lock (_gate)
        {
            if (run is not null) _runs = [.. _runs, run];
            runs = _runs;
        }
        WriteManifest(runs, watermark);
        lock (_gate)
        {
            _watermark = watermark;
            _frozen = null;
        }
    }

    /// <summary>Merges every run into one, dropping stale entries (tests; background work).</summary>
    public async Task MergeRunsAsync(CancellationToken cancellationToken = default)
    {
        await _work.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            MergeRunsCore(cancellationToken);
        }
        finally
        {
            _work.Release();
        }
    }

    private void MergeRunsCore(CancellationToken cancellationToken)
    {
        IndexRun[] inputs;
        lock (_gate) inputs = _runs;
        if (inputs.Length < 2) return;
        var merged = ItemMerge.Merge([.. inputs.Select(r => r.Scan(null, descending: false))], descending: false)
            .Where(i => _records.IsCurrent(i.Id, i.Sequence));
        var run = WriteRun(merged, cancellationToken);
        IndexRun[] runs;
        ulong[] watermark;
        lock (_gate)
        {
            runs = _runs = [.. (run is null ? [] : new[] { run }), .. _runs.Except(inputs)];
            watermark = _watermark;
        }
        WriteManifest(runs, watermark);
        foreach (var input in inputs) input.Retire();
    }

    /// <summary>Waits for a flush or merge in progress.</summary>
    internal async Task WaitForMaintenanceAsync()
    {
        Task running;
        lock (_gate) running = _maintenance;
        try { await running.ConfigureAwait(false); }
        catch (Exception e) when (e is IOException or CorruptDataException) { }
    }

    private void RequestMaintenance()
    {
        if (_closing || Interlocked.CompareExchange(ref _busy, 1, 0) != 0) return;
        lock (_gate) _maintenance = Task.Run(MaintainAsync);
    }

    private async Task MaintainAsync()
    {
        try
        {
            while (!_closing)
            {
                int active, runs;
                lock (_gate)
                {
                    active = _active.Count;
                    runs = _runs.Length;
                }
                if (active >= FlushThreshold) await FlushAsync().ConfigureAwait(false);
                else if (runs > MergeThreshold) await MergeRunsAsync().ConfigureAwait(false);
                else break;
            }
        }
        catch (Exception e)
        {
            // The memtable keeps every entry meanwhile: answers stay right, only memory grows.
            LastError = e;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private IndexRun? WriteRun(IEnumerable<IndexItem> items, CancellationToken cancellationToken)
    {
        long number;
        lock (_gate) number = _nextRun++;
        string path = Path.Combine(Folder, $"run-{number:D6}.ixr");
        long count = IndexRunWriter.Write(path, items, cancellationToken);
        if (count == 0)
        {
            IndexRun.TryDelete(path);
            return null;
        }
        return IndexRun.Open(path, verify: false);
    }

    private void WriteManifest(IReadOnlyList<IndexRun> runs, ulong[] watermark)
    {
        long next;
        lock (_gate) next = _nextRun;
        var json = new JsonObject
        {
            ["runs"] = new JsonArray([.. runs.Select(r => (JsonNode)r.FileName)]),
            ["watermark"] = new JsonArray([.. watermark.Select(w => (JsonNode)w)]),
            ["next"] = next,
            ["keys"] = KeyRules,
        };
        FileSync.WriteAtomically(Path.Combine(Folder, ManifestName), Encoding.UTF8.GetBytes(json.ToJsonString()));
    }
}
