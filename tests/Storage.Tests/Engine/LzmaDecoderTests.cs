using System.Text;
using CsCheck;
using MyNoSql.Storage.Engine;

namespace MyNoSql.Storage.Tests.Engine;

/// <summary>Our span-based <see cref="LzmaDecoder"/> against SharpCompress's encoder (what segments are written with)
/// and its decoder (what read them before).</summary>
public sealed class LzmaDecoderTests
{
    private static readonly string[] Words = ["{\"id\":\"", "sensor-", "\"temperature\":", "21.5", ",", "}", "\"status\":\"ok\"", "player/", "0", "7", "\"inventory\":[", "]"];

    // Random bytes, few-symbol bytes (long runs, overlapping matches), JSON-like text, and mixtures of them.
    private static readonly Gen<byte[]> Data = Gen.OneOf(
        Gen.Byte.Array[1, 3000],
        Gen.Byte[0, 3].Array[1, 20_000],
        Gen.Int[0, Words.Length - 1].Array[1, 8000].Select(ix => Encoding.UTF8.GetBytes(string.Concat(ix.Select(i => Words[i])))),
        Gen.Select(Gen.Byte.Array[0, 500], Gen.Int[1, 200], Gen.Byte.Array[0, 300]).Select((a, n, b) =>
            a.Concat(Enumerable.Repeat(a.Length > 0 ? a : [7], n).SelectMany(x => x)).Concat(b).ToArray()));

    private static (byte[] Props, byte[] Packed) Compress(byte[] raw, int dictionary = 64 << 10, int fastBytes = 32)
    {
        var output = new MemoryStream();
        byte[] props = LzmaBlockCodec.Compress(raw, output, dictionary, fastBytes);
        return (props, output.ToArray());
    }

    private static byte[] SharpDecode(byte[] props, byte[] packed, int length)
    {
        var decoder = new SharpCompress.Compressors.LZMA.Decoder();
        decoder.SetDecoderProperties(props);
        var output = new MemoryStream();
        decoder.Code(new MemoryStream(packed), output, packed.Length, length, null);
        return output.ToArray();
    }

    [Fact]
    public void Decodes_what_SharpCompress_encodes_exactly_and_consumes_the_whole_stream()
    {
        Gen.Select(Data, Gen.Int[0, 2].Select(i => new[] { 4096, 16 << 10, 64 << 10 }[i]), Gen.Int[0, 3].Select(i => new[] { 5, 16, 32, 273 }[i])).Sample((raw, dictionary, fastBytes) =>
        {
            var (props, packed) = Compress(raw, dictionary, fastBytes);
            var decoder = new LzmaDecoder();
            var output = new byte[raw.Length + 3];
            decoder.Start(props, packed, 0, packed.Length, output, raw.Length);
            decoder.DecodeTo(raw.Length);
            return output.AsSpan(0, raw.Length).SequenceEqual(raw) && decoder.Consumed == packed.Length && decoder.FinishedCleanly
                && SharpDecode(props, packed, raw.Length).AsSpan().SequenceEqual(raw);
        }, iter: 400);
    }

    [Fact]
    public void Decoding_in_steps_gives_the_same_bytes_as_at_once()
    {
        Gen.Select(Data, Gen.Int[1, 12]).Sample((raw, steps) =>
        {
            var (props, packed) = Compress(raw);
            // Input at an offset inside a larger array, as segment blocks are read.
            var input = new byte[packed.Length + 20];
            packed.CopyTo(input, 11);
            var decoder = new LzmaDecoder();
            var output = new byte[raw.Length];
            decoder.Start(props, input, 11, packed.Length, output, raw.Length);
            var rng = new Random(raw.Length * 31 + steps);
            var stops = Enumerable.Range(0, steps).Select(_ => rng.Next(raw.Length + 1)).Append(raw.Length).Order();
            foreach (int stop in stops)
            {
                decoder.DecodeTo(stop);
                if (decoder.Position != Math.Max(stop, decoder.Position) || !output.AsSpan(0, stop).SequenceEqual(raw.AsSpan(0, stop))) return false;
            }
            return output.AsSpan().SequenceEqual(raw) && decoder.Consumed == packed.Length;
        }, iter: 300);
    }

    [Fact]
    public void A_reused_decoder_decodes_streams_of_different_sizes_one_after_another()
    {
        var decoder = new LzmaDecoder();
        Data.Sample(raw =>
        {
            var (props, packed) = Compress(raw);
            var output = new byte[raw.Length];
            decoder.Start(props, packed, 0, packed.Length, output, raw.Length);
            decoder.DecodeTo(raw.Length / 3);
            decoder.DecodeTo(raw.Length);
            decoder.Reset();
            return output.AsSpan().SequenceEqual(raw);
        }, iter: 200, threads: 1); // one decoder: not thread-safe
    }

    [Fact]
    public void Damaged_streams_fail_with_InvalidDataException_or_decode_something_but_never_overrun()
    {
        Gen.Select(Data, Gen.Int[0, 1 << 20], Gen.Int[1, 255], Gen.Int[0, 40]).Sample((raw, at, flip, cut) =>
        {
            var (props, packed) = Compress(raw);
            var damaged = packed[..Math.Max(0, packed.Length - cut % 4)];
            if (damaged.Length > 0) damaged[at % damaged.Length] ^= (byte)flip;
            var output = new byte[raw.Length];
            try
            {
                LzmaBlockCodec.Decompress(props, damaged, 0, damaged.Length, output, raw.Length);
            }
            catch (InvalidDataException)
            {
            }
        }, iter: 500);
    }

    [Fact]
    public void Bad_properties_and_stream_starts_are_rejected()
    {
        var (props, packed) = Compress("hello hello hello"u8.ToArray());
        var output = new byte[17];
        Assert.Throws<InvalidDataException>(() => new LzmaDecoder().Start([225, 0, 0, 1, 0], packed, 0, packed.Length, output, 17));
        Assert.Throws<InvalidDataException>(() => new LzmaDecoder().Start(props, packed, 0, 4, output, 17));
        var notZero = (byte[])packed.Clone();
        notZero[0] = 1;
        Assert.Throws<InvalidDataException>(() => new LzmaDecoder().Start(props, notZero, 0, notZero.Length, output, 17));
    }

    [Fact]
    public void A_block_decodes_up_to_the_wanted_slot_and_reports_its_slot_table()
    {
        // A raw block as SegmentWriter builds it: varint count, varint lengths, payloads.
        var payloads = Enumerable.Range(0, 40).Select(i => Encoding.UTF8.GetBytes($"{{\"id\":\"r{i:D4}\",\"t\":{i % 9}.5,\"pad\":\"{new string('x', i * 7)}\"}}")).ToArray();
        var raw = new List<byte>();
        raw.Add(40);
        foreach (var p in payloads) { raw.Add((byte)(p.Length | 0x80)); raw.Add((byte)(p.Length >> 7)); }
        foreach (var p in payloads) raw.AddRange(p);
        byte[] block = [.. raw];
        var (props, packed) = Compress(block);
        int head = 1 + 2 * 40;
        for (int slot = 0; slot < 40; slot++)
        {
            var output = new byte[block.Length];
            var (starts, decoded) = LzmaBlockCodec.DecompressBlock(props, packed, 0, packed.Length, output, block.Length, slot);
            Assert.Equal(41, starts.Length);
            Assert.Equal(head, starts[0]);
            Assert.InRange(decoded, starts[slot + 1], block.Length);
            if (slot < 30) Assert.True(decoded < block.Length, $"slot {slot}: decoded all {decoded}");
            Assert.True(output.AsSpan(starts[slot], starts[slot + 1] - starts[slot]).SequenceEqual(payloads[slot]));
            var decodedBlock = DecodedBlock.Partial(output, block.Length, decoded, starts, null);
            Assert.True(decodedBlock.Covers(slot));
            Assert.Equal(decoded == block.Length, decodedBlock.IsComplete);
            Assert.Equal(payloads[slot], decodedBlock.Slot(slot).ToArray());
        }
        var whole = new byte[block.Length];
        Assert.Equal(block.Length, LzmaBlockCodec.DecompressBlock(props, packed, 0, packed.Length, whole, block.Length, -1).Decoded);
        Assert.Equal(block, whole);
    }
}
