using System.Runtime.CompilerServices;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// Decoder of raw LZMA streams (5 property bytes kept apart, no end marker expected, size known) into one output
/// array, written from the format's specification (Igor Pavlov's "lzma-specification", LZMA SDK) for segment blocks.
/// Why not SharpCompress's decoder: it allocates a window per stream and reads its input a byte at a time through a
/// <see cref="Stream"/> (~70–100 µs fixed per block, README "Issue 14"). Here the output array is the dictionary (a
/// block is decoded from its first byte), the input is a span, the ~16 KiB of probabilities are reused per thread, and
/// decoding can stop at any output position and resume later (<see cref="DecodeTo"/>), so a read decodes only up to
/// the slot it needs. Not thread-safe; one instance per thread.
/// </summary>
/// <remarks>Safety against damaged input: every output write is bounds-checked, a distance must point inside what is
/// already decoded, and input past the end reads as zeros; segment blocks are crc-checked before decoding anyway.</remarks>
internal sealed class LzmaDecoder
{
    private const int States = 12;
    private const int PosStatesMax = 1 << 4;
    private const int IsMatch = 0;
    private const int IsRep = IsMatch + States * PosStatesMax;
    private const int IsRepG0 = IsRep + States;
    private const int IsRepG1 = IsRepG0 + States;
    private const int IsRepG2 = IsRepG1 + States;
    private const int IsRep0Long = IsRepG2 + States;
    private const int PosSlot = IsRep0Long + States * PosStatesMax;  // 4 length states × 6-bit trees
    private const int SpecPos = PosSlot + (4 << 6);                   // reverse trees of slots 4–13
    private const int Align = SpecPos + 115;                          // 4-bit reverse tree
    private const int LenChoice2 = 1, LenLow = 2, LenMid = LenLow + PosStatesMax * 8, LenHigh = LenMid + PosStatesMax * 8;
    private const int LenSize = LenHigh + 256;
    private const int MatchLen = Align + 16;
    private const int RepLen = MatchLen + LenSize;
    private const int Literal = RepLen + LenSize;
    private const int EndPosModelIndex = 14;

    private ushort[] _probs = new ushort[Literal + (0x300 << 3)];
    private byte[] _input = [];
    private int _inputOffset, _inputCount;
    private byte[] _output = [];
    private int _outputLength;
    private int _lc, _lp, _pb;
    private uint _range, _code;
    private int _inPos;   // relative to _inputOffset; may pass _inputCount (zeros are read there)
    private int _outPos;
    private int _state;
    private uint _rep0, _rep1, _rep2, _rep3;
    private int _pendingLength; // the rest of a match cut at the previous stop

    /// <summary>Bytes decoded so far into the output.</summary>
    public int Position => _outPos;

    /// <summary>Input bytes consumed so far (more than the input's length only for damaged or truncated data).</summary>
    public int Consumed => _inPos;

    /// <summary>Whether the range decoder ended as a correctly finished stream does (its code is 0); meaningful once
    /// the whole output is decoded.</summary>
    public bool FinishedCleanly => _code == 0 && _pendingLength == 0;

    /// <summary>Starts decoding <paramref name="input"/>[<paramref name="offset"/>..+<paramref name="count"/>) into
    /// <paramref name="output"/>[0..<paramref name="outputLength"/>). The arrays are used until <see cref="Reset"/>.</summary>
    /// <exception cref="InvalidDataException">Bad properties or stream start.</exception>
    public void Start(ReadOnlySpan<byte> properties, byte[] input, int offset, int count, byte[] output, int outputLength)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)offset + (ulong)(uint)count, (ulong)input.Length, nameof(count));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)outputLength, (uint)output.Length, nameof(outputLength));
        if (properties.Length < 1 || properties[0] >= 9 * 5 * 5) throw Bad("properties");
        int d = properties[0];
        _lc = d % 9;
        d /= 9;
        _lp = d % 5;
        _pb = d / 5;
        int size = Literal + (0x300 << (_lc + _lp));
        if (_probs.Length < size) _probs = new ushort[size];
        _probs.AsSpan(0, size).Fill(1024);
        _input = input;
        _inputOffset = offset;
        _inputCount = count;
        _output = output;
        _outputLength = outputLength;
        _outPos = 0;
        _state = 0;
        _rep0 = _rep1 = _rep2 = _rep3 = 0;
        _pendingLength = 0;
        var span = input.AsSpan(offset, count);
        if (span.Length < 5 || span[0] != 0) throw Bad("stream start");
        _code = (uint)(span[1] << 24 | span[2] << 16 | span[3] << 8 | span[4]);
        _range = uint.MaxValue;
        _inPos = 5;
        if (_code == _range) throw Bad("stream start");
    }

    /// <summary>Drops the references to the arrays of the last <see cref="Start"/>.</summary>
    public void Reset()
    {
        _input = [];
        _output = [];
    }

    /// <summary>Decodes until <see cref="Position"/> reaches <paramref name="end"/> (at most the output length).</summary>
    /// <exception cref="InvalidDataException">The stream refers to data before the output's start (damaged).</exception>
    public void DecodeTo(int end)
    {
        if (end > _outputLength) throw new ArgumentOutOfRangeException(nameof(end));
        var output = _output.AsSpan(0, _outputLength);
        int pos = _outPos;
        if (pos >= end) return;
        var probs = _probs.AsSpan();
        var rc = new RangeDecoder(_input.AsSpan(_inputOffset, _inputCount), _inPos, _range, _code);
        int state = _state;
        uint rep0 = _rep0, rep1 = _rep1, rep2 = _rep2, rep3 = _rep3;
        int pbMask = (1 << _pb) - 1, lpMask = (1 << _lp) - 1, lc = _lc;

        if (_pendingLength > 0)
        {
            int n = Math.Min(_pendingLength, end - pos);
            Copy(output, pos, (int)rep0 + 1, n);
            pos += n;
            _pendingLength -= n;
        }
        while (pos < end)
        {
            int posState = pos & pbMask;
            if (rc.Bit(ref probs[IsMatch + (state << 4) + posState]) == 0)
            {
                int previous = pos > 0 ? output[pos - 1] : 0;
                var lit = probs.Slice(Literal + 0x300 * (((pos & lpMask) << lc) + (previous >> (8 - lc))), 0x300);
                uint symbol = 1;
                if (state >= 7)
                {
                    uint matchByte = output[pos - (int)rep0 - 1];
                    do
                    {
                        uint matchBit = (matchByte >> 7) & 1;
                        matchByte <<= 1;
                        uint bit = rc.Bit(ref lit[(int)(((1 + matchBit) << 8) + symbol)]);
                        symbol = (symbol << 1) | bit;
                        if (matchBit != bit) break;
                    }
                    while (symbol < 0x100);
                }
                while (symbol < 0x100) symbol = (symbol << 1) | rc.Bit(ref lit[(int)symbol]);
                output[pos++] = (byte)symbol;
                state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
                continue;
            }
            int length;
            if (rc.Bit(ref probs[IsRep + state]) != 0)
            {
                if (pos == 0) throw Bad("repeat at the start");
                if (rc.Bit(ref probs[IsRepG0 + state]) == 0)
                {
                    if (rc.Bit(ref probs[IsRep0Long + (state << 4) + posState]) == 0)
                    {
                        state = state < 7 ? 9 : 11;
                        output[pos] = output[pos - (int)rep0 - 1];
                        pos++;
                        continue;
                    }
                }
                else
                {
                    uint distance;
                    if (rc.Bit(ref probs[IsRepG1 + state]) == 0)
                    {
                        distance = rep1;
                    }
                    else
                    {
                        if (rc.Bit(ref probs[IsRepG2 + state]) == 0)
                        {
                            distance = rep2;
                        }
                        else
                        {
                            distance = rep3;
                            rep3 = rep2;
                        }
                        rep2 = rep1;
                    }
                    rep1 = rep0;
                    rep0 = distance;
                }
                length = DecodeLength(ref rc, probs.Slice(RepLen, LenSize), posState);
                state = state < 7 ? 8 : 11;
            }
            else
            {
                rep3 = rep2;
                rep2 = rep1;
                rep1 = rep0;
                length = DecodeLength(ref rc, probs.Slice(MatchLen, LenSize), posState);
                state = state < 7 ? 7 : 10;
                rep0 = DecodeDistance(ref rc, probs, length);
                // Also rejects the end marker (0xFFFFFFFF): a block's stream has none, its size is known.
                if (rep0 >= (uint)pos) throw Bad($"distance {rep0} at {pos}");
            }
            length += 2;
            int count = Math.Min(length, end - pos);
            Copy(output, pos, (int)rep0 + 1, count);
            pos += count;
            _pendingLength = length - count;
        }
        _outPos = pos;
        _inPos = rc.Position;
        _range = rc.Range;
        _code = rc.Code;
        _state = state;
        _rep0 = rep0;
        _rep1 = rep1;
        _rep2 = rep2;
        _rep3 = rep3;
    }

    private static InvalidDataException Bad(string what) => new($"LZMA data is damaged ({what}).");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(Span<byte> output, int pos, int distance, int count)
    {
        int from = pos - distance;
        if (distance >= count)
        {
            output.Slice(from, count).CopyTo(output.Slice(pos, count));
            return;
        }
        // Overlapping (a run): byte by byte, each copy may read what the previous one wrote.
        var dst = output.Slice(pos, count);
        for (int i = 0; i < dst.Length; i++) dst[i] = output[from + i];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int DecodeLength(ref RangeDecoder rc, Span<ushort> len, int posState)
    {
        if (rc.Bit(ref len[0]) == 0) return rc.Tree(len.Slice(LenLow + posState * 8, 8), 3);
        if (rc.Bit(ref len[LenChoice2]) == 0) return 8 + rc.Tree(len.Slice(LenMid + posState * 8, 8), 3);
        return 16 + rc.Tree(len.Slice(LenHigh, 256), 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint DecodeDistance(ref RangeDecoder rc, Span<ushort> probs, int length)
    {
        int lenState = Math.Min(length, 3);
        uint slot = (uint)rc.Tree(probs.Slice(PosSlot + (lenState << 6), 64), 6);
        if (slot < 4) return slot;
        int direct = (int)(slot >> 1) - 1;
        uint distance = (2 | (slot & 1)) << direct;
        if (slot < EndPosModelIndex)
            return distance + rc.ReverseTree(probs.Slice(SpecPos + (int)(distance - slot)), direct);
        distance += rc.DirectBits(direct - 4) << 4;
        return distance + rc.ReverseTree(probs.Slice(Align, 16), 4);
    }

    /// <summary>The range decoder, in locals for the hot loop (copied back to the fields when a call ends).</summary>
    private ref struct RangeDecoder
    {
        private readonly ReadOnlySpan<byte> _input;
        public int Position;
        public uint Range;
        public uint Code;

        public RangeDecoder(ReadOnlySpan<byte> input, int position, uint range, uint code)
        {
            _input = input;
            Position = position;
            Range = range;
            Code = code;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Normalize()
        {
            if (Range < 1u << 24)
            {
                Range <<= 8;
                int p = Position++;
                Code = (Code << 8) | ((uint)p < (uint)_input.Length ? _input[p] : 0u);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public uint Bit(ref ushort probability)
        {
            uint p = probability;
            uint bound = (Range >> 11) * p;
            uint bit;
            if (Code < bound)
            {
                Range = bound;
                probability = (ushort)(p + ((2048 - p) >> 5));
                bit = 0;
            }
            else
            {
                Range -= bound;
                Code -= bound;
                probability = (ushort)(p - (p >> 5));
                bit = 1;
            }
            Normalize();
            return bit;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Tree(Span<ushort> probs, int bits)
        {
            uint m = 1;
            for (int i = 0; i < bits; i++) m = (m << 1) + Bit(ref probs[(int)m]);
            return (int)m - (1 << bits);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public uint ReverseTree(Span<ushort> probs, int bits)
        {
            uint m = 1, symbol = 0;
            for (int i = 0; i < bits; i++)
            {
                uint bit = Bit(ref probs[(int)m]);
                m = (m << 1) + bit;
                symbol |= bit << i;
            }
            return symbol;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public uint DirectBits(int bits)
        {
            uint result = 0;
            for (; bits > 0; bits--)
            {
                Range >>= 1;
                Code -= Range;
                uint t = 0u - (Code >> 31);
                Code += Range & t;
                Normalize();
                result = (result << 1) + (t + 1);
            }
            return result;
        }
    }
}
