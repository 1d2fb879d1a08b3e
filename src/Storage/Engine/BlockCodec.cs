using System.IO.Compression;

namespace MyNoSql.Storage.Engine;

/// <summary>How a segment's blocks are compressed (recorded per segment, so files of either kind read).</summary>
internal enum BlockCodec : byte
{
    /// <summary>Managed LZMA (SharpCompress), the default (the product keeps all data LZMA-compressed): the best
    /// ratio per block, ~0.3 ms to decode a 32 KiB block. Segment versions 1–2.</summary>
    Lzma = 0,

    /// <summary>Brotli (native, in the BCL): decodes a 32 KiB block in ~25–50 µs (LZMA: 0.3–0.6 ms for 64 KiB); at
    /// quality 10 the ratio of LZMA at twice the block size, at 9 (default) 2–25 % larger but 3–5× faster to compress
    /// than LZMA. Segment version 3. Opt-in only.</summary>
    Brotli = 1,
}

/// <summary>Brotli for whole segment blocks; the 5 property bytes of a block record codec, quality and window.</summary>
internal static class BrotliBlockCodec
{
    /// <summary>Compresses <paramref name="raw"/>; returns the compressed length written to <paramref name="output"/>
    /// (resized as needed) and fills <paramref name="props"/>.</summary>
    public static int Compress(ReadOnlySpan<byte> raw, ref byte[] output, int quality, Span<byte> props)
    {
        // Window 16 (64 KiB − 16) covers a default block. Not larger: above 16, quality 9 switches to a match finder
        // that tries up to 256 candidates per position, which made sealing repetitive small records ~30× slower.
        int window = raw.Length <= (1 << 16) - 16 ? 16 : Math.Min(24, 32 - int.LeadingZeroCount(raw.Length - 1) + 1);
        int max = BrotliEncoder.GetMaxCompressedLength(raw.Length);
        if (output.Length < max) output = new byte[max];
        if (!BrotliEncoder.TryCompress(raw, output, out int written, quality, window))
            throw new InvalidOperationException("Brotli failed to compress a segment block.");
        props.Clear();
        props[0] = (byte)BlockCodec.Brotli;
        props[1] = (byte)quality;
        props[2] = (byte)window;
        return written;
    }

    /// <summary>Decodes <paramref name="source"/> into exactly <paramref name="destination"/>.</summary>
    /// <exception cref="InvalidDataException">The data does not decode to exactly that many bytes.</exception>
    public static void Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        using var decoder = new BrotliDecoder();
        var status = decoder.Decompress(source, destination, out int consumed, out int written);
        if (status != System.Buffers.OperationStatus.Done || consumed != source.Length || written != destination.Length)
            throw new InvalidDataException($"Brotli block decoded to {written} bytes ({status}), expected {destination.Length}.");
    }
}
