using System.Buffers.Binary;
using System.Text;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Engine;

/// <summary>Receives one valid frame during recovery.</summary>
internal delegate void FrameVisitor(ReadOnlySpan<byte> frame, int size, LogFile log, long offset);

/// <summary>
/// Replays a shard's live logs in order. Frames must carry consecutive lsns starting at sealedLsn + 1. The first bad
/// frame ends the log (a torn tail from a crash mid-write) unless acknowledged writes would be dropped with it, which
/// is reported as corruption instead and leaves the files as they are: when a valid frame with a later lsn follows it
/// anywhere in the live logs, or when the logs end before the lsn of the last clean close (closedLsn: close synced
/// every frame up to it, so none of them can be a torn tail; a log cut short or wiped shows only this way).
/// </summary>
internal static class LogRecovery
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Replays <paramref name="logs"/>; returns the last lsn and sets each log's write offset.
    /// <paramref name="closedLsn"/>: the lsn of the last clean close; replay must reach it.</summary>
    public static ulong Replay(IReadOnlyList<LogFile> logs, ulong sealedLsn, ulong closedLsn, FrameVisitor visitor)
    {
        var contents = new MappedFile[logs.Count];
        try
        {
            for (int i = 0; i < logs.Count; i++) contents[i] = new MappedFile(logs[i].Handle, logs[i].Path);
            return Replay(logs, contents, sealedLsn, closedLsn, visitor);
        }
        finally
        {
            foreach (var map in contents) map?.Dispose();
        }
    }

    private static ulong Replay(IReadOnlyList<LogFile> logs, MappedFile[] contents, ulong sealedLsn, ulong closedLsn, FrameVisitor visitor)
    {
        ulong expected = sealedLsn + 1;
        (int Log, int Offset)? stop = null; // where the frames ran out at `expected` (the next log may go on: rotation)
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
                        stop = null;
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
                if (expected <= closedLsn)
                {
                    // Not a torn tail: this frame was synced before the last clean close.
                    if (status != LogFrame.ParseStatus.End) throw Missing(log, pos, expected, closedLsn, bad: true, KeyOf(data[pos..], expected));
                    stop ??= (i, pos);
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
        if (expected <= closedLsn && stop is { } end) throw Missing(logs[end.Log], end.Offset, expected, closedLsn, bad: false, key: null);
        return expected - 1;
    }

    private static CorruptDataException Missing(LogFile log, long offset, ulong expected, ulong closedLsn, bool bad, string? key)
    {
        ulong missing = closedLsn - expected + 1;
        string writes = missing == 1 ? "1 acknowledged write is" : $"{missing} acknowledged writes are";
        string frame = !bad ? "" : key is null ? $"invalid log frame (expected lsn {expected}); " : $"invalid log frame for key '{key}' (lsn {expected}); ";
        return new CorruptDataException(log.Path, offset,
            $"{frame}the log ends at lsn {expected - 1}, but the store was closed cleanly at lsn {closedLsn}: {writes} damaged or missing (the file is left as it is)");
    }

    /// <summary>The key of a damaged frame whose header still parses (its lsn is the one expected), else null.</summary>
    private static string? KeyOf(ReadOnlySpan<byte> data, ulong expected)
    {
        if (data.Length < LogFrame.FixedSize || LogFrame.Lsn(data) != expected) return null;
        int keyBytes = BinaryPrimitives.ReadUInt16LittleEndian(data[18..]);
        if (20 + keyBytes > data.Length) return null;
        try
        {
            return s_strictUtf8.GetString(data.Slice(20, keyBytes));
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
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
