using System.Buffers;
using System.Text;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Engine;

/// <summary>Encoding of caller records into log frames (on the caller's thread, so the committer only stamps and writes).</summary>
internal sealed partial class RecordStore
{
    // Every flag a caller may set is persisted (log frame byte 17, segment index flags byte): a flag the directory
    // loses on reopen changes what the mirror's index and sync see after a restart. Files written before
    // HasOtherLeaves was persisted read as before (the bit is simply clear).
    private const RecordFlags StorableFlags = RecordFlags.Deleted | RecordFlags.Pending | RecordFlags.HasConflicts | RecordFlags.HasOtherLeaves | RecordFlags.FromSync;

    private static CommitRequest EncodePuts(IReadOnlyList<StoredRecord> records)
    {
        var keyBytes = new int[records.Count];
        long total = 0;
        for (int i = 0; i < records.Count; i++)
        {
            var record = records[i];
            ArgumentNullException.ThrowIfNull(record, nameof(records));
            keyBytes[i] = CheckKey(record.Key);
            if (record.Payload.Length > LogFrame.MaxFrameBytes - LogFrame.FixedSize - keyBytes[i])
                throw new ArgumentException($"Record '{record.Key}' is too large ({record.Payload.Length} bytes).", nameof(records));
            total += LogFrame.SizeOf(keyBytes[i], record.Payload.Length);
        }
        if (total > int.MaxValue / 2) throw new ArgumentException("Batch too large for one commit; split it.", nameof(records));
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)total);
        var frames = new FrameInfo[records.Count];
        int offset = 0;
        for (int i = 0; i < records.Count; i++)
        {
            var r = records[i];
            var flags = r.Flags & StorableFlags;
            int size = LogFrame.Encode(buffer.AsSpan(offset), FrameKind.Put, flags, r.Key, r.Revision, r.Payload.Span);
            frames[i] = new FrameInfo(r.Revision, flags, FrameKind.Put, size);
            offset += size;
        }
        return new CommitRequest(buffer, offset, frames);
    }

    /// <summary>
    /// The engine's part of a save without its I/O, for the save-path warm-up: encodes <paramref name="record"/> into
    /// a frame, stamps it as the committer would and returns the buffer. Returns the frame's size.
    /// </summary>
    internal static int WarmUpEncoding(StoredRecord record)
    {
        var request = EncodePuts([record]);
        try
        {
            LogFrame.Stamp(request.Buffer.AsSpan(0, request.Frames[0].Size), 1);
            return request.Length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(request.Buffer);
        }
    }

    private static CommitRequest EncodeClears(IReadOnlyList<(string Key, Revision Revision)> acknowledged)
    {
        long total = 0;
        foreach (var (key, _) in acknowledged) total += LogFrame.SizeOf(CheckKey(key), 0);
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)total);
        var frames = new FrameInfo[acknowledged.Count];
        int offset = 0;
        for (int i = 0; i < acknowledged.Count; i++)
        {
            var (key, revision) = acknowledged[i];
            int size = LogFrame.Encode(buffer.AsSpan(offset), FrameKind.ClearPending, RecordFlags.None, key, revision, default);
            frames[i] = new FrameInfo(revision, RecordFlags.None, FrameKind.ClearPending, size);
            offset += size;
        }
        return new CommitRequest(buffer, offset, frames);
    }

    private static int CheckKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        int bytes = Utf8Key.Strict.GetByteCount(key); // throws for lone surrogates
        if (bytes > LogFrame.MaxKeyBytes)
            throw new ArgumentException($"Key '{key[..64]}…' is {bytes} UTF-8 bytes; the limit is {LogFrame.MaxKeyBytes}.", nameof(key));
        return bytes;
    }

    private Dictionary<int, List<T>> GroupByShard<T>(IReadOnlyList<T> items, Func<T, string> key)
    {
        var groups = new Dictionary<int, List<T>>();
        foreach (var item in items)
        {
            int shard = KeyHash.ShardOf(key(item), _shards.Length);
            if (!groups.TryGetValue(shard, out var list)) groups[shard] = list = [];
            list.Add(item);
        }
        return groups;
    }
}
