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
/// Layout: version (1), varint source length, varint result length, CRC-32C of source ‖ result (4 bytes LE), then ops
/// until the end: varint <c>length &lt;&lt; 1 | 1</c> + zigzag varint source offset relative to the previous copy's end
/// (a copy), or varint <c>length &lt;&lt; 1</c> + the bytes (an insert). Copies come from an LZ-style greedy match of
/// 8-byte grams against the source (common prefix and suffix first), so a few changed fields cost a few bytes each.
/// </remarks>
internal static class BodyDelta
{
    private const byte Version = 1;
    private const int MinMatch = 8;
    private const int HashBits = 12;

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
            int prefix = from.CommonPrefixLength(to);
            int maxSuffix = Math.Min(from.Length, to.Length) - prefix;
            int suffix = CommonSuffixLength(from[prefix..], to[prefix..], maxSuffix);
            long lastCopyEnd = 0;
            if (prefix > 0) { w.Copy(0, prefix, ref lastCopyEnd); }
            EncodeMiddle(ref w, from, to, prefix, to.Length - suffix, from.Length - suffix, ref lastCopyEnd);
            if (suffix > 0) w.Copy(from.Length - suffix, suffix, ref lastCopyEnd);
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
        // Each op takes at least 2 bytes and yields at most the source's length (a copy) or its own bytes (an insert):
        // bound the result by what the ops could yield before allocating it.
        if (resultLength > int.MaxValue / 2 || (long)resultLength > delta.Length + (delta.Length / 2L) * from.Length)
            throw new FormatException("Body delta: result length out of range.");
        if (delta.Length - pos < 4) throw new FormatException("Body delta: truncated header.");
        uint check = BinaryPrimitives.ReadUInt32LittleEndian(delta[pos..]);
        pos += 4;
        var result = new byte[(int)resultLength];
        int outPos = 0;
        long lastCopyEnd = 0;
        while (pos < delta.Length)
        {
            ulong tag = ReadVarInt(delta, ref pos);
            ulong length = tag >> 1;
            if (length == 0 || length > (ulong)(result.Length - outPos)) throw new FormatException("Body delta: an op runs past the result.");
            int n = (int)length;
            if ((tag & 1) != 0)
            {
                long offset = lastCopyEnd + ZigZag(ReadVarInt(delta, ref pos));
                if (offset < 0 || offset > from.Length - n) throw new FormatException("Body delta: a copy runs outside the source.");
                from.Slice((int)offset, n).CopyTo(result.AsSpan(outPos));
                lastCopyEnd = offset + n;
            }
            else
            {
                if (n > delta.Length - pos) throw new FormatException("Body delta: an insert runs past the delta.");
                delta.Slice(pos, n).CopyTo(result.AsSpan(outPos));
                pos += n;
            }
            outPos += n;
        }
        if (outPos != result.Length) throw new FormatException("Body delta: the ops do not fill the result.");
        if (Checksum(from, result) != check) throw new FormatException("Body delta: checksum mismatch (another source, or damaged).");
        return result;
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

    // Greedy LZ over to[start..end) against from[..fromEnd): a hash of the 8-byte gram at each source position (later
    // positions win, deterministic), then at each target position the candidate is checked and extended both ways.
    private static void EncodeMiddle(ref Writer w, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to, int start, int end, int fromEnd, ref long lastCopyEnd)
    {
        if (end - start < MinMatch || fromEnd < MinMatch)
        {
            if (end > start) w.Insert(to[start..end]);
            return;
        }
        int[] table = ArrayPool<int>.Shared.Rent(1 << HashBits);
        try
        {
            var heads = table.AsSpan(0, 1 << HashBits);
            heads.Fill(-1);
            // The first position of each gram: inside a run of repeated bytes a match then starts at the run's start.
            for (int i = 0; i + MinMatch <= fromEnd; i++)
            {
                ref int head = ref heads[Hash(from[i..])];
                if (head < 0) head = i;
            }
            int literalStart = start, p = start;
            while (p + MinMatch <= end)
            {
                // Two candidates: where the previous copy left off (edits that keep lengths) and the gram's position.
                int expected = (int)Math.Min(lastCopyEnd + (p - literalStart), int.MaxValue);
                int lengthAtExpected = expected + MinMatch <= fromEnd ? from[expected..fromEnd].CommonPrefixLength(to[p..end]) : 0;
                int hashed = heads[Hash(to[p..])];
                int lengthAtHashed = hashed >= 0 && hashed != expected ? from[hashed..fromEnd].CommonPrefixLength(to[p..end]) : 0;
                int candidate = lengthAtExpected >= lengthAtHashed ? expected : hashed;
                int matchEnd = Math.Max(lengthAtExpected, lengthAtHashed);
                if (matchEnd < MinMatch) { p++; continue; }
                int back = 0;
                while (p - back > literalStart && candidate - back > 0 && from[candidate - back - 1] == to[p - back - 1]) back++;
                if (p - back > literalStart) w.Insert(to[literalStart..(p - back)]);
                w.Copy(candidate - back, matchEnd + back, ref lastCopyEnd);
                p += matchEnd;
                literalStart = p;
            }
            if (end > literalStart) w.Insert(to[literalStart..end]);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(table);
        }
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

        public Writer(Span<byte> initial) { _span = initial; _rented = null; _pos = 0; }

        public void Byte(byte b) { Ensure(1); _span[_pos++] = b; }

        public void UInt32(uint v) { Ensure(4); BinaryPrimitives.WriteUInt32LittleEndian(_span[_pos..], v); _pos += 4; }

        public void VarInt(ulong v)
        {
            Ensure(10);
            while (v >= 0x80) { _span[_pos++] = (byte)(v | 0x80); v >>= 7; }
            _span[_pos++] = (byte)v;
        }

        public void Copy(long offset, int length, ref long lastCopyEnd)
        {
            VarInt(((ulong)length << 1) | 1);
            long d = offset - lastCopyEnd;
            VarInt((ulong)((d << 1) ^ (d >> 63)));
            lastCopyEnd = offset + length;
        }

        public void Insert(ReadOnlySpan<byte> bytes)
        {
            VarInt((ulong)bytes.Length << 1);
            Ensure(bytes.Length);
            bytes.CopyTo(_span[_pos..]);
            _pos += bytes.Length;
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
