using System.Buffers;
using System.Buffers.Binary;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Documents;

/// <summary>
/// A compact binary delta between two bodies (history keeps each past body as a delta against its newer neighbour;
/// delta sync sends a changed record as a delta against a body the receiver holds). Deterministic; applying checks
/// the delta's own checksum of the result's length and the source it was made against.
/// </summary>
/// <remarks>
/// Layout: version (1), varint source length, varint result length, CRC-32C of source ‖ result (4 bytes LE), then the
/// ops (<see cref="CreateOps"/>) to the end. Ops: varint <c>length &lt;&lt; 2 | k</c> with k = 0 an insert (the bytes
/// follow), 1 a copy from the expected source offset (where the previous copy ended, plus the bytes inserted since:
/// an edit that keeps lengths), 2 a copy at a zigzag varint distance from it. Copies come from the common prefix and
/// suffix, then an LZ-style greedy match of 8-byte grams against the source, so a few changed fields cost a few bytes
/// each. History stores the ops alone (<see cref="CreateOps"/>/<see cref="ApplyOps"/>): the record's frame checksum
/// guards them on disk and its chain is built against known bodies.
/// </remarks>
internal static class BodyDelta
{
    private const byte Version = 1;
    private const int MinMatch = 8;
    private const int HashBits = 12;
    private const int NearShift = 8;
    private const int LazyIndexAfter = 16;
    private const int Insert = 0, CopyExpected = 1, CopyAt = 2;

    /// <summary>The delta that turns <paramref name="from"/> into <paramref name="to"/>.</summary>
    public static byte[] Create(ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        var w = new Writer(stackalloc byte[256]);
        try
        {
            w.Byte(Version);
            w.VarInt((ulong)from.Length);
            w.VarInt((ulong)to.Length);
            w.UInt32(Checksum(from, to));
            WriteOps(ref w, from, to);
            return w.ToArray();
        }
        finally
        {
            w.Dispose();
        }
    }

    /// <summary>Applies a delta made by <see cref="Create"/> against <paramref name="from"/>.</summary>
    /// <exception cref="FormatException">The delta is malformed or was made against another source.</exception>
    public static byte[] Apply(ReadOnlySpan<byte> from, ReadOnlySpan<byte> delta)
    {
        int pos = 0;
        if (delta.Length < 1 || delta[pos++] != Version) throw new FormatException("Body delta: unknown version.");
        ulong sourceLength = ReadVarInt(delta, ref pos);
        ulong resultLength = ReadVarInt(delta, ref pos);
        if (sourceLength != (ulong)from.Length) throw new FormatException("Body delta: made against another source (length differs).");
        if (delta.Length - pos < 4) throw new FormatException("Body delta: truncated header.");
        uint check = BinaryPrimitives.ReadUInt32LittleEndian(delta[pos..]);
        pos += 4;
        var result = ApplyOps(from, delta[pos..]);
        if ((ulong)result.Length != resultLength) throw new FormatException("Body delta: the ops do not give the result's length.");
        if (Checksum(from, result) != check) throw new FormatException("Body delta: checksum mismatch (another source, or damaged).");
        return result;
    }

    /// <summary>The ops alone (no header, no checksum) that turn <paramref name="from"/> into <paramref name="to"/>.</summary>
    public static byte[] CreateOps(ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        var w = new Writer(stackalloc byte[256]);
        try
        {
            WriteOps(ref w, from, to);
            return w.ToArray();
        }
        finally
        {
            w.Dispose();
        }
    }

    /// <summary>Applies ops made by <see cref="CreateOps"/>, every op bounds-checked.</summary>
    /// <exception cref="FormatException">The ops are malformed for this source.</exception>
    public static byte[] ApplyOps(ReadOnlySpan<byte> from, ReadOnlySpan<byte> ops)
    {
        // Two passes: check every op and sum the result's length, then allocate it once and fill it.
        long length = 0;
        Run(from, ops, ref length, null);
        if (length > int.MaxValue / 2) throw new FormatException("Body delta: result too long.");
        var result = new byte[length];
        length = 0;
        Run(from, ops, ref length, result);
        return result;
    }

    private static void Run(ReadOnlySpan<byte> from, ReadOnlySpan<byte> ops, ref long outPos, byte[]? result)
    {
        int pos = 0;
        long lastCopyEnd = 0, insertedSince = 0;
        while (pos < ops.Length)
        {
            ulong tag = ReadVarInt(ops, ref pos);
            ulong length = tag >> 2;
            int kind = (int)(tag & 3);
            if (length == 0 || length > int.MaxValue / 2 || kind > CopyAt) throw new FormatException("Body delta: bad op.");
            int n = (int)length;
            if (kind == Insert)
            {
                if (n > ops.Length - pos) throw new FormatException("Body delta: an insert runs past the delta.");
                if (result is not null) ops.Slice(pos, n).CopyTo(result.AsSpan((int)outPos));
                pos += n;
                insertedSince += n;
            }
            else
            {
                long offset = lastCopyEnd + insertedSince;
                if (kind == CopyAt) offset += ZigZag(ReadVarInt(ops, ref pos));
                if (offset < 0 || offset > from.Length - n) throw new FormatException("Body delta: a copy runs outside the source.");
                if (result is not null) from.Slice((int)offset, n).CopyTo(result.AsSpan((int)outPos));
                lastCopyEnd = offset + n;
                insertedSince = 0;
            }
            outPos += n;
            if (outPos > int.MaxValue / 2) throw new FormatException("Body delta: result too long.");
        }
    }

    private static void WriteOps(ref Writer w, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        int prefix = from.CommonPrefixLength(to);
        int maxSuffix = Math.Min(from.Length, to.Length) - prefix;
        int suffix = CommonSuffixLength(from[prefix..], to[prefix..], maxSuffix);
        if (prefix > 0) w.Copy(0, prefix);
        EncodeMiddle(ref w, from, to, prefix, to.Length - suffix, from.Length - suffix);
        if (suffix > 0) w.Copy(from.Length - suffix, suffix);
    }

    private static uint Checksum(ReadOnlySpan<byte> from, ReadOnlySpan<byte> to) => ~Crc.Append(Crc.Append(~0u, from), to);

    private static int CommonSuffixLength(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int max)
    {
        int n = 0;
        // 8 bytes at a time, then byte by byte.
        while (n + 8 <= max && BinaryPrimitives.ReadUInt64LittleEndian(a[(a.Length - n - 8)..]) == BinaryPrimitives.ReadUInt64LittleEndian(b[(b.Length - n - 8)..])) n += 8;
        while (n < max && a[a.Length - n - 1] == b[b.Length - n - 1]) n++;
        return n;
    }

    // Greedy LZ over to[start..end) against from[..fromEnd). At each target position the candidates are the expected
    // source offset and, while no gram index exists, offsets up to NearShift either side of it (an edit that keeps or
    // changes a value's length a little: no index is ever built, the common case costs well under a microsecond);
    // after LazyIndexAfter literal bytes without a match, an index of each 8-byte gram's first source position is
    // built and used from then on. The longest candidate wins (ties: the nearest to expected); deterministic.
    private static void EncodeMiddle(ref Writer w, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to, int start, int end, int fromEnd)
    {
        if (end - start < MinMatch || fromEnd < MinMatch)
        {
            if (end > start) w.Insert(to[start..end]);
            return;
        }
        int[]? table = null;
        try
        {
            int literalStart = start, p = start;
            while (p + MinMatch <= end)
            {
                long expectedLong = w.LastCopyEnd + (p - literalStart);
                int expected = expectedLong > fromEnd ? fromEnd : (int)expectedLong;
                int candidate = -1, matchEnd = 0;
                int shifts = table is null ? NearShift : 0;
                for (int k = 0; k <= 2 * shifts; k++)
                {
                    int c = expected + ((k & 1) == 0 ? k / 2 : -(k + 1) / 2); // 0, -1, +1, -2, +2, …
                    if (c < 0 || c + MinMatch > fromEnd) continue;
                    int length = from[c..fromEnd].CommonPrefixLength(to[p..end]);
                    if (length > matchEnd) { matchEnd = length; candidate = c; }
                }
                if (matchEnd < MinMatch && table is null && p - literalStart >= LazyIndexAfter) table = Index(from, fromEnd);
                if (table is not null)
                {
                    int hashed = table[Hash(to[p..])];
                    int length = hashed >= 0 && hashed != expected ? from[hashed..fromEnd].CommonPrefixLength(to[p..end]) : 0;
                    if (length > matchEnd) { matchEnd = length; candidate = hashed; }
                }
                if (matchEnd < MinMatch) { p++; continue; }
                int back = 0;
                while (p - back > literalStart && candidate - back > 0 && from[candidate - back - 1] == to[p - back - 1]) back++;
                if (p - back > literalStart) w.Insert(to[literalStart..(p - back)]);
                w.Copy(candidate - back, matchEnd + back);
                p += matchEnd;
                literalStart = p;
            }
            if (end > literalStart) w.Insert(to[literalStart..end]);
        }
        finally
        {
            if (table is not null) ArrayPool<int>.Shared.Return(table);
        }
    }

    private static int[] Index(ReadOnlySpan<byte> from, int fromEnd)
    {
        int[] table = ArrayPool<int>.Shared.Rent(1 << HashBits);
        var heads = table.AsSpan(0, 1 << HashBits);
        heads.Fill(-1);
        for (int i = 0; i + MinMatch <= fromEnd; i++)
        {
            ref int head = ref heads[Hash(from[i..])];
            if (head < 0) head = i;
        }
        return table;
    }

    private static int Hash(ReadOnlySpan<byte> at) =>
        (int)((BinaryPrimitives.ReadUInt64LittleEndian(at) * 0x9E3779B97F4A7C15UL) >> (64 - HashBits));

    private static long ZigZag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);

    internal static ulong ReadVarInt(ReadOnlySpan<byte> span, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= span.Length) throw new FormatException("Truncated varint.");
            byte b = span[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new FormatException("Varint too long.");
    }

    private ref struct Writer
    {
        private Span<byte> _span;
        private byte[]? _rented;
        private int _pos;
        private long _insertedSince;

        public Writer(Span<byte> initial) { _span = initial; _rented = null; _pos = 0; }

        public long LastCopyEnd { get; private set; }

        public void Byte(byte b) { Ensure(1); _span[_pos++] = b; }

        public void UInt32(uint v) { Ensure(4); BinaryPrimitives.WriteUInt32LittleEndian(_span[_pos..], v); _pos += 4; }

        public void VarInt(ulong v)
        {
            Ensure(10);
            while (v >= 0x80) { _span[_pos++] = (byte)(v | 0x80); v >>= 7; }
            _span[_pos++] = (byte)v;
        }

        public void Copy(long offset, int length)
        {
            long d = offset - (LastCopyEnd + _insertedSince);
            if (d == 0) VarInt(((ulong)length << 2) | CopyExpected);
            else
            {
                VarInt(((ulong)length << 2) | CopyAt);
                VarInt((ulong)((d << 1) ^ (d >> 63)));
            }
            LastCopyEnd = offset + length;
            _insertedSince = 0;
        }

        public void Insert(ReadOnlySpan<byte> bytes)
        {
            VarInt((ulong)bytes.Length << 2);
            Ensure(bytes.Length);
            bytes.CopyTo(_span[_pos..]);
            _pos += bytes.Length;
            _insertedSince += bytes.Length;
        }

        public readonly byte[] ToArray() => _span[.._pos].ToArray();

        public void Dispose()
        {
            if (_rented is not null) ArrayPool<byte>.Shared.Return(_rented);
            _rented = null;
        }

        private void Ensure(int n)
        {
            if (_pos + n <= _span.Length) return;
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_span.Length * 2, _pos + n));
            _span[.._pos].CopyTo(bigger);
            if (_rented is not null) ArrayPool<byte>.Shared.Return(_rented);
            _rented = bigger;
            _span = bigger;
        }
    }
}
