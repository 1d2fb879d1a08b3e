namespace MyNoSql.Storage.Engine;

/// <summary>
/// Payload reader for one compaction run. Decodes segment blocks privately (remembering the last block per segment,
/// enough because records are visited in key order and segments are key-ordered) so compaction does not flush the
/// shared block cache.
/// </summary>
internal sealed partial class Shard
{
    private sealed class CompactionSource(Shard shard)
    {
        private readonly Dictionary<int, (int Block, DecodedBlock? Data)> _last = [];

        /// <summary>Segments that had unreadable blocks: they must not be deleted.</summary>
        public HashSet<int> Damaged { get; } = [];

        /// <summary>Reads the payload; false when its segment block is corrupt (the entry then stays where it is).
        /// Log read failures throw: sealing must never drop a log it could not copy.</summary>
        public bool TryRead(in DirectoryEntry entry, out ReadOnlySpan<byte> payload)
        {
            payload = default;
            if (!entry.InSegment)
            {
                LogFile? log;
                lock (shard._lock) shard._logs.TryGetValue((int)entry.File, out log);
                if (log is null) throw new InvalidOperationException($"Log {entry.File} of '{shard.Path}' vanished during compaction.");
                var (frame, start, length) = ReadLogPayload(log, entry);
                payload = frame.AsSpan(start, length);
                return true;
            }
            int segmentNumber = entry.SegmentNumber;
            int blockNumber = (int)entry.Position;
            if (_last.TryGetValue(segmentNumber, out var last) && last.Block == blockNumber)
            {
                if (last.Data is null) return false;
                payload = last.Data.Slot(entry.Length);
                return true;
            }
            SegmentReader? segment;
            lock (shard._lock) shard._segments.TryGetValue(segmentNumber, out segment);
            if (segment is null) throw new InvalidOperationException($"Segment {segmentNumber} of '{shard.Path}' vanished during compaction.");
            DecodedBlock? block = null;
            try
            {
                block = segment.ReadBlock(blockNumber);
            }
            catch (CorruptDataException e)
            {
                Damaged.Add(segmentNumber);
                shard.RecordError(e);
            }
            _last[segmentNumber] = (blockNumber, block);
            if (block is null) return false;
            payload = block.Slot(entry.Length);
            return true;
        }
    }
}
