using System.Buffers.Binary;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// <c>shard.manifest</c>: which segment and log files are live, the last lsn already sealed into segments, and the
/// last lsn the logs held when the store was last closed cleanly (<see cref="ClosedLsn"/>).
/// Replaced atomically (temp + fsync + rename + fsync dir); files not listed are leftovers and get deleted at open.
/// Layout: magic, version, sealedLsn, next file numbers, segment list, log list, closedLsn, crc32c of everything
/// before it. Every frame up to closedLsn was synced before a clean close wrote it, so recovery must find them all
/// (<see cref="LogRecovery"/>); 0 when the store was never closed cleanly. It was added without a version change: a
/// manifest without it reads as 0 (no check), and older readers ignore the bytes between the log list and the crc.
/// </summary>
internal sealed record ShardManifest(ulong SealedLsn, int NextFileNumber, IReadOnlyList<int> Segments, IReadOnlyList<int> Logs,
    ulong ClosedLsn = 0)
{
    public const string FileName = "shard.manifest";
    private const uint Magic = 0x4D534E4D; // "MNSM"
    private const byte Version = 1;

    public static ShardManifest Empty { get; } = new(0, 1, [], []);

    public byte[] Encode()
    {
        var buffer = new byte[4 + 1 + 8 + 4 + 4 + 4 * Segments.Count + 4 + 4 * Logs.Count + 8 + 4];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        span[4] = Version;
        BinaryPrimitives.WriteUInt64LittleEndian(span[5..], SealedLsn);
        BinaryPrimitives.WriteInt32LittleEndian(span[13..], NextFileNumber);
        int pos = 17;
        BinaryPrimitives.WriteInt32LittleEndian(span[pos..], Segments.Count);
        pos += 4;
        foreach (int s in Segments) { BinaryPrimitives.WriteInt32LittleEndian(span[pos..], s); pos += 4; }
        BinaryPrimitives.WriteInt32LittleEndian(span[pos..], Logs.Count);
        pos += 4;
        foreach (int l in Logs) { BinaryPrimitives.WriteInt32LittleEndian(span[pos..], l); pos += 4; }
        BinaryPrimitives.WriteUInt64LittleEndian(span[pos..], ClosedLsn);
        pos += 8;
        BinaryPrimitives.WriteUInt32LittleEndian(span[pos..], Crc.Compute(span[..pos]));
        return buffer;
    }

    public static ShardManifest Decode(ReadOnlySpan<byte> data, string path)
    {
        if (data.Length < 25 || BinaryPrimitives.ReadUInt32LittleEndian(data) != Magic)
            throw new CorruptDataException(path, 0, "not a shard manifest (bad magic or too short)");
        if (data[4] != Version)
            throw new CorruptDataException(path, 4, $"unsupported shard manifest version {data[4]}");
        if (Crc.Compute(data[..^4]) != BinaryPrimitives.ReadUInt32LittleEndian(data[^4..]))
            throw new CorruptDataException(path, data.Length - 4, "shard manifest checksum mismatch");
        ulong sealedLsn = BinaryPrimitives.ReadUInt64LittleEndian(data[5..]);
        int next = BinaryPrimitives.ReadInt32LittleEndian(data[13..]);
        int pos = 17;
        var segments = ReadList(data, ref pos, path);
        var logs = ReadList(data, ref pos, path);
        int rest = data.Length - 4 - pos;
        if (rest is > 0 and < 8) throw new CorruptDataException(path, pos, $"{rest} stray bytes after the log list");
        ulong closedLsn = rest == 0 ? 0 : BinaryPrimitives.ReadUInt64LittleEndian(data[pos..]);
        return new ShardManifest(sealedLsn, next, segments, logs, closedLsn);
    }

    private static int[] ReadList(ReadOnlySpan<byte> data, ref int pos, string path)
    {
        int count = BinaryPrimitives.ReadInt32LittleEndian(data[pos..]);
        pos += 4;
        if (count < 0 || pos + 4L * count > data.Length - 4)
            throw new CorruptDataException(path, pos - 4, $"bad file count {count}");
        var list = new int[count];
        for (int i = 0; i < count; i++) { list[i] = BinaryPrimitives.ReadInt32LittleEndian(data[pos..]); pos += 4; }
        return list;
    }

    public static ShardManifest Load(string path)
        => File.Exists(path) ? Decode(File.ReadAllBytes(path), path) : Empty;

    public void Save(string path) => FileSync.WriteAtomically(path, Encode());
}
