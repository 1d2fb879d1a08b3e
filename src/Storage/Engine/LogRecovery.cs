using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Engine;

/// <summary>Receives one valid frame during recovery.</summary>
internal delegate void FrameVisitor(ReadOnlySpan<byte> frame, int size, LogFile log, long offset);

/// <summary>
/// Replays a shard's live logs in order. Frames must carry consecutive lsns starting at sealedLsn + 1. The first bad
/// frame ends the log (a torn tail from a crash mid-write) unless a valid frame with a later lsn follows it anywhere
/// in the live logs: then acknowledged writes would be dropped silently, so it is reported as corruption instead.
/// </summary>
internal static class LogRecovery
{
    /// <summary>Replays <paramref name="logs"/>; returns the last lsn and sets each log's write offset.</summary>
    public static ulong Replay(IReadOnlyList<LogFile> logs, ulong sealedLsn, FrameVisitor visitor)
    {
        var contents = new MappedFile[logs.Count];
        try
        {
            for (int i = 0; i < logs.Count; i++) contents[i] = new MappedFile(logs[i].Handle, logs[i].Path);
            return Replay(logs, contents, sealedLsn, visitor);
        }
        finally
        {
            foreach (var map in contents) map?.Dispose();
        }
    }

    private static ulong Replay(IReadOnlyList<LogFile> logs, MappedFile[] contents, ulong sealedLsn, FrameVisitor visitor)
    {
        ulong expected = sealedLsn + 1;
        for (int i = 0; i < logs.Count; i++)
        {
            var log = logs[i];
            var data = contents[i].Span;
            int pos = 0;
            while (true)
            {
                var status = LogFrame.TryParse(data[pos..], out int size);
                if (status == LogFrame.ParseStatus.Ok)
                {
                    var frame = data.Slice(pos, size);
                    ulong lsn = LogFrame.Lsn(frame);
                    if (lsn <= sealedLsn) { pos += size; continue; }  // already in a segment
                    if (lsn == expected)
                    {
                        visitor(frame, size, log, pos);
                        log.LastLsn = lsn;
                        expected++;
                        pos += size;
                        continue;
                    }
                }
                // End of this log: clean (zeros), torn, or corrupt. A later valid frame decides which.
                if (FindLaterFrame(contents, i, pos + (status == LogFrame.ParseStatus.End ? 0 : 1), expected) is { } found &&
                    // Writes simply continued in the next log after a rotation: not damage.
                    !(found.Log > i && found.Offset == 0 && found.Lsn == expected))
                {
                    throw new CorruptDataException(log.Path, pos,
                        $"invalid log frame (expected lsn {expected}) followed by a valid frame with lsn {found.Lsn} in '{logs[found.Log].Path}' at offset {found.Offset}: data in the middle of the log is damaged");
                }
                log.WriteOffset = pos;
                if (status == LogFrame.ParseStatus.Bad)
                {
                    // Torn tail: wipe it so stale bytes can never be mistaken for frames after new writes land here.
                    int last = data[pos..].LastIndexOfAnyExcept((byte)0);
                    if (last >= 0) log.Zero(pos, pos + last + 1);
                }
                break;
            }
        }
        return expected - 1;
    }

    private readonly record struct Found(int Log, long Offset, ulong Lsn);

    /// <summary>Looks for any valid frame with lsn ≥ <paramref name="expected"/> from (log, offset) onwards.</summary>
    private static Found? FindLaterFrame(MappedFile[] contents, int log, int offset, ulong expected)
    {
        for (int i = log; i < contents.Length; i++, offset = 0)
        {
            var data = contents[i].Span;
            int pos = offset;
            while (pos + LogFrame.FixedSize <= data.Length)
            {
                // Skip zero runs fast: a frame's length field has a non-zero byte at most 3 bytes before the first non-zero byte.
                int nz = data[pos..].IndexOfAnyExcept((byte)0);
                if (nz < 0) break;
                pos = Math.Max(pos, pos + nz - 3);
                var span = data[pos..];
                if (span.Length >= LogFrame.FixedSize)
                {
                    ulong lsn = LogFrame.Lsn(span);
                    if (lsn >= expected && lsn - expected < 1UL << 40 &&
                        LogFrame.TryParse(span, out _) == LogFrame.ParseStatus.Ok)
                        return new Found(i, pos, lsn);
                }
                pos++;
            }
        }
        return null;
    }
}
