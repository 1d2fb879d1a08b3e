using System.Buffers.Binary;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Engine;

/// <summary>The database directory's <c>MANIFEST</c>: format version and the shard count fixed at creation.</summary>
internal static class StoreManifest
{
    public const string FileName = "MANIFEST";
    private const uint Magic = 0x534E594D; // "MYNS"
    private const byte Version = 1;
    private const int Size = 4 + 1 + 4 + 4;

    /// <summary>Returns the stored shard count, creating the manifest with <paramref name="shardCount"/> when absent.</summary>
    public static int LoadOrCreate(string directory, int shardCount)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            var buffer = new byte[Size];
            BinaryPrimitives.WriteUInt32LittleEndian(buffer, Magic);
            buffer[4] = Version;
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(5), shardCount);
            BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(9), Crc.Compute(buffer.AsSpan(0, 9)));
            FileSync.WriteAtomically(path, buffer);
            return shardCount;
        }
        var data = File.ReadAllBytes(path);
        if (data.Length != Size || BinaryPrimitives.ReadUInt32LittleEndian(data) != Magic)
            throw new CorruptDataException(path, 0, "not a MyNoSql store manifest");
        if (data[4] != Version)
            throw new CorruptDataException(path, 4, $"unsupported store format version {data[4]}");
        if (Crc.Compute(data.AsSpan(0, 9)) != BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(9)))
            throw new CorruptDataException(path, 9, "store manifest checksum mismatch");
        int count = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(5));
        if (count is < 1 or > 256)
            throw new CorruptDataException(path, 5, $"invalid shard count {count}");
        return count;
    }
}
