using System.Buffers;
using System.Reflection;
using System.Runtime.CompilerServices;
using SharpCompress.Compressors.LZMA;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// Reuses SharpCompress's LZMA encoders across blocks. A new <see cref="LzmaStream"/> builds a new encoder: a 196 KB
/// array of parse states on the large object heap plus ~40 KB of tables, so sealing allocated ~240 KB per block and
/// forced a gen2 GC every ~20 blocks, pauses the reading threads then waited in (README "Issue 14, fourth pass").
/// SharpCompress 0.50.8 does not expose its encoder, so it is reached through its internal type and the calls
/// <c>LzmaStream</c> itself makes (<c>SetStreams</c> at create, <c>Code(input, false)</c> per write,
/// <c>Code(null, true)</c> at dispose); <c>SetStreams</c> resets every model, price table and the match finder, so the
/// bytes equal a fresh stream's. That is checked once per process on a sample before any reuse, and tested
/// (<c>LzmaEncoderPoolTests</c>); if the internals are missing or differ (another SharpCompress), every block gets a
/// fresh stream as before.
/// </summary>
internal static class LzmaEncoderPool
{
    private const string EncoderType = "SharpCompress.Compressors.LZMA.Encoder, SharpCompress";

    // Encoders hold ~1–1.5 MiB each (match finder tables, window): keep few. Blocks take one or two dictionary sizes.
    private const int MaxIdlePerSetting = 2;

    private static readonly FieldInfo? s_encoderField =
        typeof(LzmaStream).GetField("_encoder", BindingFlags.NonPublic | BindingFlags.Instance);
    private static readonly Dictionary<(int Dictionary, int FastBytes), Stack<Encoder>> s_idle = [];
    private static readonly Lazy<bool> s_reusable = new(SelfCheck);

    /// <summary>True when encoders are reused (the internals exist and gave a fresh stream's bytes on a sample).</summary>
    public static bool Reusable => s_reusable.Value;

    /// <summary>Compresses <paramref name="raw"/> into <paramref name="output"/> as one LZMA stream without an end
    /// marker; returns the 5 property bytes. Byte for byte what <see cref="CompressFresh"/> writes.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> raw, Stream output, int dictionary, int fastBytes)
    {
        if (!Reusable) return CompressFresh(raw, output, dictionary, fastBytes);
        var encoder = Rent(dictionary, fastBytes);
        byte[] input = ArrayPool<byte>.Shared.Rent(Math.Max(1, raw.Length));
        try
        {
            raw.CopyTo(input);
            encoder.Encode(input, raw.Length, output);
            var properties = encoder.Properties.ToArray(); // before another thread can rent it
            Return(encoder);
            return properties;
        }
        finally
        {
            // An encoder that threw is dropped (not returned): its state is unknown.
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    /// <summary>A new <see cref="LzmaStream"/> for the block (SharpCompress's public path).</summary>
    public static byte[] CompressFresh(ReadOnlySpan<byte> raw, Stream output, int dictionary, int fastBytes)
    {
        var properties = new LzmaEncoderProperties(eos: false, dictionary, fastBytes);
        using var lzma = LzmaStream.Create(properties, false, output);
        lzma.Write(raw);
        return lzma.Properties;
    }

    /// <summary>Idle encoders kept for reuse (tests).</summary>
    internal static int IdleCount
    {
        get { lock (s_idle) return s_idle.Values.Sum(s => s.Count); }
    }

    private static Encoder Rent(int dictionary, int fastBytes)
    {
        lock (s_idle)
        {
            if (s_idle.TryGetValue((dictionary, fastBytes), out var stack) && stack.TryPop(out var idle)) return idle;
        }
        return Encoder.Create(dictionary, fastBytes);
    }

    private static void Return(Encoder encoder)
    {
        lock (s_idle)
        {
            var key = (encoder.Dictionary, encoder.FastBytes);
            if (!s_idle.TryGetValue(key, out var stack)) s_idle[key] = stack = new Stack<Encoder>();
            if (stack.Count < MaxIdlePerSetting) stack.Push(encoder);
        }
    }

    // Reuse only when a reused encoder reproduces the public path's bytes, twice in a row (the second call is the reuse).
    private static bool SelfCheck()
    {
        if (s_encoderField is null) return false;
        try
        {
            const string Text = "{\"id\":\"p-17\",\"score\":42}";
            var sample = new byte[3000];
            for (int i = 0; i < sample.Length; i++) sample[i] = (byte)(Text[i % Text.Length] ^ (i / 97));
            var encoder = Encoder.Create(4096, 32);
            for (int round = 0; round < 2; round++)
            {
                int length = sample.Length - round * 1000;
                var fresh = new MemoryStream();
                byte[] props = CompressFresh(sample.AsSpan(0, length), fresh, 4096, 32);
                var reused = new MemoryStream();
                encoder.Encode(sample, length, reused);
                if (!props.AsSpan().SequenceEqual(encoder.Properties) || !fresh.ToArray().AsSpan().SequenceEqual(reused.ToArray())) return false;
            }
            return true;
        }
        catch (Exception)
        {
            // Whatever went wrong (members missing or changed in another SharpCompress): blocks get fresh streams.
            return false;
        }
    }

    /// <summary>One SharpCompress encoder with fixed settings, reused block after block (one block at a time).</summary>
    private sealed class Encoder
    {
        private readonly object _encoder;

        private Encoder(object encoder, byte[] properties, int dictionary, int fastBytes)
        {
            _encoder = encoder;
            Properties = properties;
            Dictionary = dictionary;
            FastBytes = fastBytes;
        }

        public byte[] Properties { get; }
        public int Dictionary { get; }
        public int FastBytes { get; }

        public static Encoder Create(int dictionary, int fastBytes)
        {
            // LzmaStream.Create applies the settings and wires an output; the stream itself is not used again (not
            // disposed either: its dispose would finish the encoder).
#pragma warning disable CA2000
            var stream = LzmaStream.Create(new LzmaEncoderProperties(eos: false, dictionary, fastBytes), false, Stream.Null);
#pragma warning restore CA2000
            object encoder = s_encoderField!.GetValue(stream) ?? throw new InvalidOperationException("LzmaStream has no encoder.");
            return new Encoder(encoder, stream.Properties, dictionary, fastBytes);
        }

        /// <summary>What LzmaStream.Create, Write and Dispose do to their encoder, on this one.</summary>
        public void Encode(byte[] input, int length, Stream output)
        {
            SetStreams(_encoder, null, output, -1, -1);
            _ = Code(_encoder, new MemoryStream(input, 0, length, writable: false), final: false);
            _ = Code(_encoder, null, final: true);
        }

        [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "SetStreams")]
        private static extern void SetStreams([UnsafeAccessorType(EncoderType)] object encoder, Stream? input, Stream output,
            long inSize, long outSize);

        [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "Code")]
        private static extern long Code([UnsafeAccessorType(EncoderType)] object encoder, Stream? input, bool final);
    }
}
