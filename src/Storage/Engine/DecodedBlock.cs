using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Engine;

/// <summary>A decompressed segment block: the raw bytes plus where each slot's payload starts.</summary>
internal sealed class DecodedBlock
{
    private readonly byte[] _data;
    private readonly int[] _starts; // slot i spans [_starts[i], _starts[i + 1])

    private DecodedBlock(byte[] data, int[] starts)
    {
        _data = data;
        _starts = starts;
    }

    public int SlotCount => _starts.Length - 1;

    /// <summary>Approximate RAM held, for the cache budget.</summary>
    public long Bytes => _data.Length + 4L * _starts.Length + 64;

    public ReadOnlySpan<byte> Slot(int slot) => _data.AsSpan(_starts[slot], _starts[slot + 1] - _starts[slot]);

    /// <summary>Parses the slot table; null when it is inconsistent with the data.</summary>
    public static DecodedBlock? TryParse(byte[] data)
    {
        int pos = 0;
        if (!VarInt.TryRead(data, ref pos, out ulong count) || count > (ulong)data.Length) return null;
        var lengths = new int[(int)count];
        long total = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            if (!VarInt.TryRead(data, ref pos, out ulong len) || len > (ulong)data.Length) return null;
            lengths[i] = (int)len;
            total += (long)len;
        }
        if (pos + total != data.Length) return null;
        var starts = new int[lengths.Length + 1];
        starts[0] = pos;
        for (int i = 0; i < lengths.Length; i++) starts[i + 1] = starts[i] + lengths[i];
        return new DecodedBlock(data, starts);
    }
}
