using System.IO.Compression;

namespace MyNoSql.Storage.Engine;

/// <summary>How a segment's blocks are compressed (recorded per segment, so files of either kind read).</summary>
internal enum BlockCodec : byte
{
    /// <summary>LZMA (the default and the product's format: "all data stored on disk is compressed with LZMA"), encoded
    /// by SharpCompress, decoded by <see cref="LzmaBlockCodec"/>. Segment versions 1–2.</summary>
    Lzma = 0,

    /// <summary>Brotli (native, in the BCL): an explicit opt-in only (<see cref="StoreOptions.BlockCodec"/>), never the
    /// default; kept so that version-3 segments written while it was the default (wt-read, issue 14) still read and
    /// for codec experiments. Segment version 3.</summary>
    Brotli = 1,
}

/// <summary>Brotli for whole segment blocks; the 5 property bytes of a block record codec, quality and window.</summary>
internal static class BrotliBlockCodec
{
    /// <summary>Compresses <paramref name="raw"/>; returns the compressed length written to <paramref name="output"/>
    /// (resized as needed) and fills <paramref name="props"/>.</summary>
    public static int Compress(ReadOnlySpan<byte> raw, ref byte[] output, int quality, Span<byte> props)
    {
        // A window as large as the block (at least Brotli's minimum of 2^10) gives the full ratio.
        int window = Math.Clamp(32 - int.LeadingZeroCount(Math.Max(1, raw.Length - 1)) + 1, 10, 24);
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
