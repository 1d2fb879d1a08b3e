using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Engine;

/// <summary>Directory lookups and record reads (a log frame, or a slot of a cached/decoded segment block).</summary>
internal sealed partial class Shard
{
    public bool TryGetHeader(string key, out RecordHeader header)
    {
        if (TryGetEntry(key, out var entry))
        {
            header = new RecordHeader(key, entry.Revision, entry.Flags, entry.Lsn);
            return true;
        }
        header = default;
        return false;
    }

    private bool TryGetEntry(string key, out DirectoryEntry entry)
    {
        Span<byte> scratch = stackalloc byte[512];
        var bytes = Utf8Key.Encode(key, scratch, out byte[]? rented);
        try
        {
            lock (_lock)
            {
                int index = _dir.Find(bytes);
                entry = index >= 0 ? _dir.EntryAt(index) : default;
                return index >= 0;
            }
        }
        finally
        {
            Utf8Key.Return(rented);
        }
    }

    public StoredRecord? Read(string key)
    {
        // A compaction may retire the file between the lookup and the read; it repoints first, so retrying finds
        // the new location.
        for (int attempt = 0; ; attempt++)
        {
            if (!TryGetEntry(key, out var entry)) return null;
            SegmentReader? segment = null;
            LogFile? log = null;
            long written = 0, logBytes = 0;
            lock (_lock)
            {
                if (entry.InSegment) _segments.TryGetValue(entry.SegmentNumber, out segment);
                else if (_logs.TryGetValue((int)entry.File, out log))
                {
                    // Every byte below WriteOffset is written: the committer moves it with the directory, under this lock.
                    written = log.WriteOffset;
                    foreach (var l in _logs.Values) logBytes += l.WriteOffset;
                }
            }
            if (segment is not null && segment.TryAcquire())
            {
                try
                {
                    // An LZMA block is decoded only up to the wanted slot; a later read further in decodes it again, whole.
                    int blockNumber = (int)entry.Position, slot = entry.Length;
                    var block = _cache.Get(segment.CacheId, blockNumber, slot,
                        whole => segment.ReadBlock(blockNumber, _cache.Pool, whole ? -1 : slot));
                    try
                    {
                        return new StoredRecord(key, entry.Revision, entry.Flags, SlotPayload(block, segment, entry, key).ToArray()) { Sequence = entry.Lsn };
                    }
                    finally
                    {
                        block.Release();
                    }
                }
                finally
                {
                    segment.Release();
                }
            }
            if (log is not null && log.TryAcquire())
            {
                try
                {
                    return new StoredRecord(key, entry.Revision, entry.Flags, ReadLogRecord(log, entry, written, logBytes)) { Sequence = entry.Lsn };
                }
                finally
                {
                    log.Release();
                }
            }
            if (attempt > 100)
                throw new InvalidOperationException($"Record '{key}' in '{Path}' points to file {entry.File & ~DirectoryEntry.SegmentBit} which is gone.");
            Thread.Yield();
        }
    }

    /// <summary>
    /// The verified payload of a log-resident record. While the shard's logs fit its share of the block cache, the log
    /// is read in cached pages, so a warm read is a cache hit instead of a <c>pread</c> (a syscall was ~30 % of a
    /// small record's read); bigger logs are read frame by frame (a page per random read of a log far larger than the
    /// cache would only churn it). Pages hold only bytes below <paramref name="written"/>, which never change; the
    /// frame's crc is checked on every read either way.
    /// </summary>
    private ReadOnlyMemory<byte> ReadLogRecord(LogFile log, in DirectoryEntry entry, long written, long logBytes)
    {
        int pageSize = _cache.Pool.ArraySize << 1;
        if (entry.Length > pageSize || logBytes > _cache.Capacity / Math.Max(1, _options.ShardCount) || written < entry.Position + entry.Length)
            return Direct(log, entry);
        int page = (int)(entry.Position / pageSize), offset = (int)(entry.Position % pageSize);
        if (offset + entry.Length <= pageSize)
        {
            var cached = LogPage(log, page, offset + entry.Length, written, pageSize);
            try
            {
                var bytes = cached.PageBytes(offset, entry.Length);
                if (IsFrameOf(bytes, entry)) return bytes[LogFrame.PayloadStart(bytes)..].ToArray();
            }
            finally
            {
                cached.Release();
            }
            return Direct(log, entry);
        }
        // The frame crosses into the next page: copy its two parts out of both.
        var frame = new byte[entry.Length];
        int head = pageSize - offset;
        var first = LogPage(log, page, pageSize, written, pageSize);
        try { first.PageBytes(offset, head).CopyTo(frame); }
        finally { first.Release(); }
        var second = LogPage(log, page + 1, entry.Length - head, written, pageSize);
        try { second.PageBytes(0, entry.Length - head).CopyTo(frame.AsSpan(head)); }
        finally { second.Release(); }
        if (!IsFrameOf(frame, entry)) return Direct(log, entry);
        int start = LogFrame.PayloadStart(frame);
        return new ReadOnlyMemory<byte>(frame, start, frame.Length - start);

        // From the file itself: logs read without pages, and frames a page did not verify (damage is then reported
        // with the log and the frame's offset).
        static ReadOnlyMemory<byte> Direct(LogFile log, in DirectoryEntry entry)
        {
            var (data, from, count) = ReadLogPayload(log, entry);
            return new ReadOnlyMemory<byte>(data, from, count);
        }
    }

    private static bool IsFrameOf(ReadOnlySpan<byte> bytes, in DirectoryEntry entry)
        => LogFrame.TryParse(bytes, out int size) == LogFrame.ParseStatus.Ok && size == entry.Length && LogFrame.Lsn(bytes) == entry.Lsn;

    /// <summary>Page <paramref name="page"/> of <paramref name="log"/> holding at least its first <paramref name="needed"/>
    /// bytes (read again, longer, when the cached copy is shorter), with a reference for the caller.</summary>
    private DecodedBlock LogPage(LogFile log, int page, int needed, long written, int pageSize)
    {
        long pageStart = (long)page * pageSize;
        int valid = (int)Math.Min(pageSize, written - pageStart);
        return _cache.Get(log.CacheId, page, needed, _ =>
        {
            var buffer = _cache.Pool.Rent(pageSize);
            try
            {
                log.ReadExactly(buffer.AsSpan(0, valid), pageStart);
            }
            catch
            {
                _cache.Pool.Return(buffer);
                throw;
            }
            return DecodedBlock.LogPage(buffer, valid, _cache.Pool);
        });
    }

    /// <summary>Reads and verifies one frame; the caller holds a reference on <paramref name="log"/>.</summary>
    private static (byte[] Frame, int Start, int Length) ReadLogPayload(LogFile log, in DirectoryEntry entry)
    {
        var frame = new byte[entry.Length];
        log.ReadExactly(frame, entry.Position);
        int start = CheckFrame(frame, log, entry);
        return (frame, start, entry.Length - start);
    }

    /// <summary>Verifies that <paramref name="frame"/> (exactly <paramref name="entry"/>'s bytes) is the frame the entry
    /// names (crc, size, lsn) and returns where its payload starts.</summary>
    /// <exception cref="CorruptDataException">Names the log and the frame's offset.</exception>
    private static int CheckFrame(ReadOnlySpan<byte> frame, LogFile log, in DirectoryEntry entry)
    {
        if (LogFrame.TryParse(frame, out int size) != LogFrame.ParseStatus.Ok || size != entry.Length || LogFrame.Lsn(frame) != entry.Lsn)
            throw new CorruptDataException(log.Path, entry.Position, "log frame checksum mismatch");
        return LogFrame.PayloadStart(frame);
    }

    /// <summary>The payload of <paramref name="entry"/>'s slot in its decoded block.</summary>
    /// <exception cref="CorruptDataException">The block has fewer slots than the index says (only a block swapped with
    /// another of the same size, each with a valid crc, gets here).</exception>
    private static ReadOnlyMemory<byte> SlotPayload(DecodedBlock block, SegmentReader segment, in DirectoryEntry entry, string key)
    {
        if (entry.Length >= block.SlotCount)
            throw new CorruptDataException(segment.Path, segment.BlockOffset((int)entry.Position),
                $"block {entry.Position} has {block.SlotCount} slots, the index wants slot {entry.Length} for '{key}'");
        return block.SlotMemory(entry.Length);
    }

    /// <summary>Headers with the prefix, unsorted (the store merges and sorts across shards).</summary>
    public void CollectHeaders(string prefix, List<RecordHeader> into)
    {
        byte[] prefixBytes = Utf8Key.Strict.GetBytes(prefix);
        lock (_lock)
        {
            for (int i = 0; i < _dir.Count; i++)
            {
                var key = _dir.KeyAt(i);
                if (!key.StartsWith(prefixBytes)) continue;
                ref var entry = ref _dir.EntryAt(i);
                into.Add(new RecordHeader(Utf8Key.Decode(key), entry.Revision, entry.Flags, entry.Lsn));
            }
        }
    }

    /// <summary>Headers with the prefix whose current version's lsn is above <paramref name="lsn"/>, unsorted.</summary>
    public void CollectChangedSince(ulong lsn, string prefix, List<RecordHeader> into)
    {
        byte[] prefixBytes = Utf8Key.Strict.GetBytes(prefix);
        lock (_lock)
        {
            for (int i = 0; i < _dir.Count; i++)
            {
                ref var entry = ref _dir.EntryAt(i);
                if (entry.Lsn <= lsn) continue;
                var key = _dir.KeyAt(i);
                if (key.StartsWith(prefixBytes)) into.Add(new RecordHeader(Utf8Key.Decode(key), entry.Revision, entry.Flags, entry.Lsn));
            }
        }
    }

    public void CollectPending(List<RecordHeader> into)
    {
        lock (_lock)
        {
            if (_pendingCount == 0) return;
            for (int i = 0; i < _dir.Count; i++)
            {
                ref var entry = ref _dir.EntryAt(i);
                if (entry.IsPending) into.Add(new RecordHeader(Utf8Key.Decode(_dir.KeyAt(i)), entry.Revision, entry.Flags, entry.Lsn));
            }
        }
    }

    /// <summary>True when the key's current revision is <paramref name="revision"/> and still pending.</summary>
    public bool IsPendingAt(string key, Revision revision)
        => TryGetEntry(key, out var entry) && entry.IsPending && entry.Revision == revision;
}
