namespace MyNoSql.Storage.Engine;

/// <summary>
/// LZMA for whole segment blocks, never per record. SharpCompress encodes; its encoders are reused across blocks
/// (<see cref="LzmaEncoderPool"/>: a new one allocated ~240 KB per block, most of it on the large object heap).
/// Decoding uses our span-based <see cref="LzmaDecoder"/>, one per thread (no window allocation, no stream), which can
/// stop at any byte: <see cref="DecompressBlock"/> decodes only up to the slot a read needs.
/// </summary>
internal static class LzmaBlockCodec
{
    public const int PropertiesSize = 5;

    [ThreadStatic]
    private static LzmaDecoder? t_decoder;

    /// <summary>Compresses <paramref name="raw"/> into <paramref name="output"/>; returns the 5 property bytes.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> raw, Stream output, int dictionarySize, int fastBytes)
    {
        // A dictionary larger than the block buys nothing and costs allocation.
        int dictionary = Math.Max(4096, Math.Min(dictionarySize, RoundUpPow2(raw.Length)));
        return LzmaEncoderPool.Compress(raw, output, dictionary, fastBytes);
    }

    /// <summary>Decodes exactly <paramref name="length"/> bytes into the start of <paramref name="destination"/>.</summary>
    /// <exception cref="InvalidDataException">Damaged data.</exception>
    public static void Decompress(ReadOnlySpan<byte> properties, byte[] source, int offset, int count, byte[] destination, int length)
    {
        var decoder = t_decoder ??= new LzmaDecoder();
        try
        {
            decoder.Start(properties, source, offset, count, destination, length);
            decoder.DecodeTo(length);
            if (decoder.Consumed > count)
                throw new InvalidDataException($"LZMA block needs more than its {count} bytes.");
        }
        finally
        {
            decoder.Reset();
        }
    }

    /// <summary>
    /// Decodes a raw segment block (slot table first, then payloads) of <paramref name="length"/> bytes into
    /// <paramref name="destination"/> up to the end of <paramref name="slot"/> (all of it for a negative slot, or when
    /// little would remain); returns the slot table and how many bytes were decoded.
    /// </summary>
    /// <exception cref="InvalidDataException">Damaged data or an inconsistent slot table.</exception>
    public static (int[] Starts, int Decoded) DecompressBlock(ReadOnlySpan<byte> properties, byte[] source, int offset, int count,
        byte[] destination, int length, int slot)
    {
        var decoder = t_decoder ??= new LzmaDecoder();
        try
        {
            decoder.Start(properties, source, offset, count, destination, length);
            int[]? starts;
            int available = Math.Min(length, 64);
            while (true)
            {
                decoder.DecodeTo(available);
                var status = DecodedBlock.TryParseTable(destination, available, length, out starts);
                if (status == DecodedBlock.TableStatus.Ok) break;
                if (status == DecodedBlock.TableStatus.Bad) throw new InvalidDataException("LZMA block's slot table is inconsistent.");
                available = (int)Math.Min(length, 4L * available);
            }
            int end = slot < 0 || slot >= starts!.Length - 1 ? length : starts[slot + 1];
            // The last eighth costs little more and makes the cached block complete.
            if (length - end < length / 8) end = length;
            decoder.DecodeTo(Math.Max(end, available));
            if (decoder.Consumed > count)
                throw new InvalidDataException($"LZMA block needs more than its {count} bytes.");
            return (starts!, decoder.Position);
        }
        finally
        {
            decoder.Reset();
        }
    }

    private static int RoundUpPow2(int value) => value <= 1 ? 1 : (int)Math.Min(1L << 30, 1L << (32 - int.LeadingZeroCount(value - 1)));
}
