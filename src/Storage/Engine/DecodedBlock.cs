using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// A decompressed segment block: the raw bytes plus where each slot's payload starts, possibly decoded only up to
/// <see cref="DecodedLength"/> (an LZMA block is decoded up to the slot a read wants; <see cref="Covers"/>). Reference counted (the cache
/// holds one reference, each reader one while it copies a slot out) so evicted blocks return their buffer to the
/// pool instead of becoming garbage that only a full GC reclaims.
/// </summary>
internal sealed class DecodedBlock
{
    private readonly byte[] _data;
    private readonly int _length;
    private readonly int _decoded;
    private readonly int[] _starts; // slot i spans [_starts[i], _starts[i + 1])
    private readonly BlockBufferPool? _pool;
    private readonly bool _page;
    private int _refs = 1;

    private DecodedBlock(byte[] data, int length, int decoded, int[] starts, BlockBufferPool? pool, bool page = false)
    {
        _data = data;
        _length = length;
        _decoded = decoded;
        _starts = starts;
        _pool = pool;
        _page = page;
    }

    /// <summary>A cached page of a log file: its first <paramref name="length"/> bytes (all written when it was read)
    /// are valid. For a page, <see cref="Covers"/> takes the end of the byte range wanted instead of a slot.</summary>
    public static DecodedBlock LogPage(byte[] data, int length, BlockBufferPool pool) => new(data, length, length, [0, length], pool, page: true);

    /// <summary>Bytes of a log page (<see cref="LogPage"/>).</summary>
    public ReadOnlySpan<byte> PageBytes(int start, int length) => _data.AsSpan(0, _length).Slice(start, length);

    public int SlotCount => _starts.Length - 1;

    /// <summary>Bytes of the raw block decoded into the buffer (the whole block: <see cref="IsComplete"/>).</summary>
    public int DecodedLength => _decoded;

    public bool IsComplete => _decoded == _length;

    /// <summary>Whether <paramref name="slot"/> can be read from this block: it is decoded, or the slot table says it
    /// does not exist (the reader reports that as damage); a negative slot asks for any block.</summary>
    public bool Covers(int slot) => _page ? slot <= _length : slot < 0 || slot >= SlotCount || _starts[slot + 1] <= _decoded;

    /// <summary>End (exclusive, in the raw block) of <paramref name="slot"/>; the block's length when there is no such slot.</summary>
    public int SlotEnd(int slot) => (uint)slot < (uint)SlotCount ? _starts[slot + 1] : _length;

    /// <summary>RAM held, for the cache budget.</summary>
    public long Bytes => _data.Length + 4L * _starts.Length + 64;

    public ReadOnlySpan<byte> Slot(int slot) => _data.AsSpan(_starts[slot], CheckedLength(slot));

    /// <summary>The slot as memory (valid while the caller holds a reference).</summary>
    public ReadOnlyMemory<byte> SlotMemory(int slot) => _data.AsMemory(_starts[slot], CheckedLength(slot));

    private int CheckedLength(int slot)
    {
        if (_starts[slot + 1] > _decoded) throw new InvalidOperationException($"slot {slot} is beyond the decoded part of the block");
        return _starts[slot + 1] - _starts[slot];
    }

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
        => TryParseTable(data, length, length, out int[]? starts) == TableStatus.Ok ? new DecodedBlock(data, length, length, starts!, pool) : null;

    /// <summary>A block of <paramref name="length"/> raw bytes of which the first <paramref name="decoded"/> are in
    /// <paramref name="data"/>, with the slot table <paramref name="starts"/> from <see cref="TryParseTable"/>.</summary>
    public static DecodedBlock Partial(byte[] data, int length, int decoded, int[] starts, BlockBufferPool? pool)
        => new(data, length, decoded, starts, pool);

    internal enum TableStatus { Ok, NeedMore, Bad }

    /// <summary>Parses the slot table at the start of a raw block of <paramref name="length"/> bytes from its first
    /// <paramref name="available"/> bytes. <paramref name="starts"/> (on Ok) holds slot i's range
    /// [starts[i], starts[i + 1]) in the raw block; the slot lengths must add up to exactly the block's length.</summary>
    public static TableStatus TryParseTable(byte[] data, int available, int length, out int[]? starts)
    {
        starts = null;
        var span = data.AsSpan(0, available);
        int pos = 0;
        if (!VarInt.TryRead(span, ref pos, out ulong count)) return available < length && pos >= span.Length ? TableStatus.NeedMore : TableStatus.Bad;
        if (count > (ulong)length) return TableStatus.Bad;
        var table = new int[(int)count + 1];
        for (int i = 0; i < (int)count; i++)
        {
            if (!VarInt.TryRead(span, ref pos, out ulong len))
                return available < length && pos >= span.Length ? TableStatus.NeedMore : TableStatus.Bad;
            if (len > (ulong)length) return TableStatus.Bad;
            table[i + 1] = table[i] + (int)len;
            if (table[i + 1] > length) return TableStatus.Bad;
        }
        if (pos + table[^1] != length) return TableStatus.Bad;
        for (int i = 0; i < table.Length; i++) table[i] += pos;
        starts = table;
        return TableStatus.Ok;
    }
}
