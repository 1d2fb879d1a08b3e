using SharpCompress.Compressors.LZMA;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// LZMA for whole segment blocks. Encoders are created per block (SharpCompress 0.50.8 does not expose a reusable
/// encoder; setup costs ~0.15 ms, small next to the ~15 ms a 64 KB block takes), so it is never used per record.
/// Decoders are reused per thread: SetDecoderProperties must precede every Code call.
/// </summary>
internal static class LzmaBlockCodec
{
    public const int PropertiesSize = 5;

    [ThreadStatic]
    private static Decoder? t_decoder;

    /// <summary>Compresses <paramref name="raw"/> into <paramref name="output"/>; returns the 5 property bytes.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> raw, Stream output, int dictionarySize, int fastBytes)
    {
        // A dictionary larger than the block buys nothing and costs allocation.
        int dictionary = Math.Max(4096, Math.Min(dictionarySize, RoundUpPow2(raw.Length)));
        var properties = new LzmaEncoderProperties(eos: false, dictionary, fastBytes);
        byte[] props;
        using (var lzma = LzmaStream.Create(properties, false, output))
        {
            lzma.Write(raw);
            props = lzma.Properties;
        }
        return props;
    }

    /// <summary>Decodes exactly <paramref name="length"/> bytes into the start of <paramref name="destination"/>.</summary>
    public static void Decompress(byte[] properties, byte[] source, int offset, int count, byte[] destination, int length)
    {
        var decoder = t_decoder ??= new Decoder();
        decoder.SetDecoderProperties(properties);
        using var input = new MemoryStream(source, offset, count, writable: false);
        using var output = new MemoryStream(destination, 0, length, writable: true);
        try
        {
            decoder.Code(input, output, count, length, null);
        }
        catch
        {
            // A failed decode may leave the decoder in a bad state; start fresh next time.
            t_decoder = null;
            throw;
        }
        if (output.Position != length)
            throw new InvalidDataException($"LZMA block decoded to {output.Position} bytes, expected {length}.");
    }

    private static int RoundUpPow2(int value) => value <= 1 ? 1 : (int)Math.Min(1L << 30, 1L << (32 - int.LeadingZeroCount(value - 1)));
}
