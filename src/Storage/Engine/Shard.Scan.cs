using System.Buffers;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// Bulk scan: the current version of every key (optionally under a prefix, optionally only those changed after an
/// lsn) in storage order. One short directory pass under the lock takes the entries and a reference on every file;
/// then each needed segment block is decoded once and its slots walked, and the logs are read sequentially in large
/// chunks. Snapshot semantics: exactly the versions that were current when the directory pass ran, each once.
/// </summary>
internal sealed partial class Shard
{
    private const int ScanWindowBytes = 1 << 20;
    // A gap this large between two wanted frames costs more to read through than a second pread.
    private const int ScanMaxGapBytes = 64 << 10;

    private readonly record struct ScanItem(int Slot, DirectoryEntry Entry);

    /// <summary>Visits the version each matching key had when the scan started; returns how many were visited.</summary>
    /// <remarks>The files stay open (reference counted) for the whole scan, so a seal or segment rewrite that runs
    /// meanwhile, and repoints or deletes them, changes nothing the scan sees. A write after the directory pass is not
    /// visited (the caller must observe writes, subscribing before it scans); the version it replaced is.</remarks>
    /// <exception cref="CorruptDataException">A frame or block failed its checksum (file and offset named).</exception>
    public long Scan(string prefix, ulong afterLsn, RecordScanVisitor visitor, CancellationToken cancellationToken)
    {
        byte[] prefixBytes = Utf8Key.Strict.GetBytes(prefix);
        var items = new List<ScanItem>();
        var segments = new Dictionary<int, SegmentReader>();
        var logs = new Dictionary<int, LogFile>();
        try
        {
            lock (_lock)
            {
                // A full scan takes (nearly) every entry: growing the list by doubling would copy it ~18 times.
                if (afterLsn == 0 && prefix.Length == 0) items.Capacity = _dir.Count;
                for (int i = 0; i < _dir.Count; i++)
                {
                    ref var entry = ref _dir.EntryAt(i);
                    if (entry.Lsn <= afterLsn || !_dir.KeyAt(i).StartsWith(prefixBytes)) continue;
                    items.Add(new ScanItem(i, entry));
                }
                // Every entry's file is listed here: seals and rewrites add, repoint and remove under this lock.
                foreach (var (number, segment) in _segments)
                    if (segment.TryAcquire()) segments[number] = segment;
                foreach (var (number, log) in _logs)
                    if (log.TryAcquire()) logs[number] = log;
            }
            // Segments (by number) first, then logs; within a file by block and slot, or by offset.
            items.Sort(static (a, b) =>
            {
                int c = (a.Entry.File ^ DirectoryEntry.SegmentBit).CompareTo(b.Entry.File ^ DirectoryEntry.SegmentBit);
                if (c != 0) return c;
                c = a.Entry.Position.CompareTo(b.Entry.Position);
                return c != 0 ? c : a.Entry.Length.CompareTo(b.Entry.Length);
            });
            int next = 0;
            while (next < items.Count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var first = items[next].Entry;
                next = first.InSegment
                    ? ScanBlock(items, next, Need(segments, first.SegmentNumber), visitor)
                    : ScanLogWindow(items, next, Need(logs, (int)first.File), visitor);
            }
            return items.Count;
        }
        finally
        {
            foreach (var segment in segments.Values) segment.Release();
            foreach (var log in logs.Values) log.Release();
        }
    }

    private T Need<T>(Dictionary<int, T> files, int number) where T : class
        => files.TryGetValue(number, out var file) ? file
            : throw new InvalidOperationException($"File {number} of '{Path}' was gone when the scan started.");

    /// <summary>Decodes the block of items[from] once (privately: a scan must not flush the shared cache) and
    /// visits every item in it; returns the index of the first item after it.</summary>
    private int ScanBlock(List<ScanItem> items, int from, SegmentReader segment, RecordScanVisitor visitor)
    {
        var first = items[from].Entry;
        var block = segment.ReadBlock((int)first.Position, _cache.Pool);
        try
        {
            int i = from;
            for (; i < items.Count && items[i].Entry.File == first.File && items[i].Entry.Position == first.Position; i++)
            {
                var (slot, entry) = items[i];
                var header = Header(slot, entry);
                visitor(header, SlotPayload(block, segment, entry, header.Key));
            }
            return i;
        }
        finally
        {
            block.Release();
        }
    }

    /// <summary>Reads the frames of items[from] and its neighbours in one positional read (up to
    /// <see cref="ScanWindowBytes"/>, stopping at a large gap), checks and visits each; returns the next index.</summary>
    private int ScanLogWindow(List<ScanItem> items, int from, LogFile log, RecordScanVisitor visitor)
    {
        var first = items[from].Entry;
        long start = first.Position;
        long end = start + first.Length;
        int last = from + 1;
        for (; last < items.Count && items[last].Entry.File == first.File; last++)
        {
            var e = items[last].Entry;
            if (e.Position - end > ScanMaxGapBytes || e.Position + e.Length - start > ScanWindowBytes) break;
            end = Math.Max(end, e.Position + e.Length);
        }
        int length = checked((int)(end - start));
        byte[] window = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            log.ReadExactly(window.AsSpan(0, length), start);
            for (int i = from; i < last; i++)
            {
                var (slot, entry) = items[i];
                int offset = (int)(entry.Position - start);
                int payload = CheckFrame(window.AsSpan(offset, entry.Length), log, entry);
                visitor(Header(slot, entry), window.AsMemory(offset + payload, entry.Length - payload));
            }
            return last;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(window);
        }
    }

    // Key bytes of existing slots never move and are readable without the lock.
    private RecordHeader Header(int slot, in DirectoryEntry entry)
        => new(Utf8Key.Decode(_dir.KeyAt(slot)), entry.Revision, entry.Flags, entry.Lsn);
}
