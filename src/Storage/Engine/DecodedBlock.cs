using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// A decompressed segment block: the raw bytes plus where each slot's payload starts. Reference counted (the cache
/// holds one reference, each reader one while it copies a slot out) so evicted blocks return their buffer to the
/// pool instead of becoming garbage that only a full GC reclaims.
/// </summary>
internal sealed class DecodedBlock
{
    private readonly byte[] _data;
    private readonly int _length;
    private readonly int[] _starts; // slot i spans [_starts[i], _starts[i + 1])
    private readonly BlockBufferPool? _pool;
    private int _refs = 1;

    private DecodedBlock(byte[] data, int length, int[] starts, BlockBufferPool? pool)
    {
        _data = data;
        _length = length;
        _starts = starts;
        _pool = pool;
    }

    public int SlotCount => _starts.Length - 1;

    /// <summary>RAM held, for the cache budget.</summary>
    public long Bytes => _data.Length + 4L * _starts.Length + 64;

    public ReadOnlySpan<byte> Slot(int slot) => _data.AsSpan(_starts[slot], _starts[slot + 1] - _starts[slot]);

    /// <summary>The slot as memory (valid while the caller holds a reference).</summary>
    public ReadOnlyMemory<byte> SlotMemory(int slot) => _data.AsMemory(_starts[slot], _starts[slot + 1] - _starts[slot]);

    public bool TryAddRef()
    {
        while (true)
        {
            int refs = Volatile.Read(ref _refs);
            if (refs == 0) return false;
            if (Interlocked.CompareExchange(ref _refs, refs + 1, refs) == refs) return true;
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0) _pool?.Return(_data);
    }

    /// <summary>Parses the slot table of <paramref name="data"/>[0..<paramref name="length"/>); null when inconsistent.</summary>
    public static DecodedBlock? TryParse(byte[] data, int length, BlockBufferPool? pool)
    {
        var span = data.AsSpan(0, length);
        int pos = 0;
        if (!VarInt.TryRead(span, ref pos, out ulong count) || count > (ulong)length) return null;
        var starts = new int[(int)count + 1];
        starts[0] = 0;
        for (int i = 0; i < (int)count; i++)
        {
            if (!VarInt.TryRead(span, ref pos, out ulong len) || len > (ulong)length) return null;
            starts[i + 1] = starts[i] + (int)len;
            if (starts[i + 1] > length) return null;
        }
        if (pos + starts[^1] != length) return null;
        for (int i = 0; i < starts.Length; i++) starts[i] += pos;
        return new DecodedBlock(data, length, starts, pool);
    }
}
