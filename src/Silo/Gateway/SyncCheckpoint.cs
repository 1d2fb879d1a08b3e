using System.Buffers.Binary;
using MyNoSql.Grains;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// A sync checkpoint: per index segment, the segment's epoch and the sequence the client has seen. Opaque to
/// clients: base64url of <c>[u8 version = 2][u8 segments][per segment: u64 epoch LE, varint sequence]</c>
/// (about 600 bytes for 64 segments; version 1, read still, had u32 epochs). An empty token means "from the beginning".
/// </summary>
internal sealed class SyncCheckpoint
{
    private const byte Version = 2;
    private const byte Version32BitEpochs = 1;

    public SyncCheckpoint() { }

    private SyncCheckpoint(long[] epochs, long[] sequences)
    {
        Epochs = epochs;
        Sequences = sequences;
    }

    public long[] Epochs { get; } = new long[RecordKey.SegmentCount];

    public long[] Sequences { get; } = new long[RecordKey.SegmentCount];

    public static bool TryParse(string? token, out SyncCheckpoint checkpoint)
    {
        checkpoint = new SyncCheckpoint();
        if (string.IsNullOrEmpty(token)) return true;
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/') + new string('=', (4 - token.Length % 4) % 4));
        }
        catch (FormatException)
        {
            return false;
        }
        if (bytes.Length < 2 || (bytes[0] != Version && bytes[0] != Version32BitEpochs) || bytes[1] != RecordKey.SegmentCount) return false;
        int epochSize = bytes[0] == Version ? 8 : 4;
        var epochs = new long[RecordKey.SegmentCount];
        var sequences = new long[RecordKey.SegmentCount];
        int pos = 2;
        for (int s = 0; s < RecordKey.SegmentCount; s++)
        {
            if (pos + epochSize > bytes.Length) return false;
            epochs[s] = epochSize == 8 ? BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(pos)) : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos));
            pos += epochSize;
            ulong value = 0;
            int shift = 0;
            while (true)
            {
                if (pos >= bytes.Length || shift > 56) return false;
                byte b = bytes[pos++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) break;
                shift += 7;
            }
            if (value > long.MaxValue) return false;
            sequences[s] = (long)value;
        }
        if (pos != bytes.Length) return false;
        checkpoint = new SyncCheckpoint(epochs, sequences);
        return true;
    }

    public string ToToken()
    {
        var bytes = new List<byte>(2 + RecordKey.SegmentCount * 10) { Version, RecordKey.SegmentCount };
        Span<byte> epoch = stackalloc byte[8];
        for (int s = 0; s < RecordKey.SegmentCount; s++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(epoch, Epochs[s]);
            foreach (byte b in epoch) bytes.Add(b);
            ulong value = (ulong)Sequences[s];
            while (value >= 0x80)
            {
                bytes.Add((byte)(value | 0x80));
                value >>= 7;
            }
            bytes.Add((byte)value);
        }
        return Convert.ToBase64String([.. bytes]).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
