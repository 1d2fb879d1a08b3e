using System.Text;
using CsCheck;
using MyNoSql.Storage.Engine;

namespace MyNoSql.Storage.Tests.Engine;

/// <summary>Reused LZMA encoders (<see cref="LzmaEncoderPool"/>) write exactly what a fresh SharpCompress stream writes,
/// and do reuse (the point: no ~240 KB of encoder state per block).</summary>
public sealed class LzmaEncoderPoolTests
{
    private static readonly string[] Words = ["{\"id\":\"", "player-", "\"score\":", "1742", ",", "}", "\"guild\":\"north\"", "\"items\":[", "]", "7"];

    private static readonly Gen<byte[]> Data = Gen.OneOf(
        Gen.Byte.Array[1, 2000],
        Gen.Byte[0, 3].Array[1, 20_000],
        Gen.Int[0, Words.Length - 1].Array[1, 6000].Select(ix => Encoding.UTF8.GetBytes(string.Concat(ix.Select(i => Words[i])))));

    private static readonly Gen<int> Dictionary = Gen.Int[0, 3].Select(i => new[] { 4096, 8 << 10, 16 << 10, 64 << 10 }[i]);
    private static readonly Gen<int> FastBytes = Gen.Int[0, 2].Select(i => new[] { 16, 32, 273 }[i]);

    private static (byte[] Props, byte[] Packed) Pooled(byte[] raw, int dictionary, int fastBytes)
    {
        var output = new MemoryStream();
        byte[] props = LzmaEncoderPool.Compress(raw, output, dictionary, fastBytes);
        return (props, output.ToArray());
    }

    private static (byte[] Props, byte[] Packed) Fresh(byte[] raw, int dictionary, int fastBytes)
    {
        var output = new MemoryStream();
        byte[] props = LzmaEncoderPool.CompressFresh(raw, output, dictionary, fastBytes);
        return (props, output.ToArray());
    }

    [Fact]
    public void Encoders_are_reused_with_the_pinned_SharpCompress()
    {
        // False would mean every block silently allocates a new encoder again (internals renamed or changed).
        Assert.True(LzmaEncoderPool.Reusable);
    }

    [Fact]
    public void Reused_encoders_write_the_bytes_of_a_fresh_stream()
    {
        // Sequences of blocks through the pool: every block after the first of a setting runs on a used encoder.
        Gen.Select(Data.Array[1, 6], Dictionary, FastBytes).Sample((blocks, dictionary, fastBytes) =>
            blocks.All(raw =>
            {
                var pooled = Pooled(raw, dictionary, fastBytes);
                var fresh = Fresh(raw, dictionary, fastBytes);
                return pooled.Props.AsSpan().SequenceEqual(fresh.Props) && pooled.Packed.AsSpan().SequenceEqual(fresh.Packed);
            }), iter: 150);
    }

    [Fact]
    public void A_block_after_a_large_one_is_not_affected_by_it()
    {
        // A long, repetitive block fills the match finder's tables; the next, short block must not see any of it.
        var big = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"id\":\"player-1\",\"score\":1742}", 2000)));
        var small = Encoding.UTF8.GetBytes("{\"id\":\"player-1\",\"score\":1742}{\"id\":\"player-2\"}");
        _ = Pooled(big, 64 << 10, 32);
        Assert.Equal(Fresh(small, 64 << 10, 32).Packed, Pooled(small, 64 << 10, 32).Packed);
    }

    [Fact]
    public void Compressing_a_block_reuses_the_encoder_instead_of_allocating_one()
    {
        var raw = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 1000).Select(i => $"{{\"id\":\"p-{i}\",\"score\":{i * 7}}}")))[..(16 << 10)];
        var output = new MemoryStream(64 << 10);
        for (int i = 0; i < 3; i++)
        {
            output.SetLength(0);
            _ = LzmaEncoderPool.Compress(raw, output, 16 << 10, 32); // warm: creates and returns one encoder
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        output.SetLength(0);
        _ = LzmaEncoderPool.Compress(raw, output, 16 << 10, 32);
        long pooled = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        output.SetLength(0);
        _ = LzmaEncoderPool.CompressFresh(raw, output, 16 << 10, 32);
        long fresh = GC.GetAllocatedBytesForCurrentThread() - before;
        // Fresh: ~240 KB (196 KB of it one array on the large object heap). Reused: the input copy and small objects.
        Assert.True(fresh > 150_000, $"fresh stream allocated {fresh} B");
        Assert.True(pooled < 64_000, $"pooled encoder allocated {pooled} B");
    }

    [Fact]
    public void An_encoder_that_failed_is_not_reused()
    {
        var raw = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"id\":\"x\",\"v\":12345}", 400)));
        Assert.Throws<IOException>(() => LzmaEncoderPool.Compress(raw, new FailingStream(), 8 << 10, 32));
        // Whatever encoder comes next (new or idle), its output is still a fresh stream's.
        Assert.Equal(Fresh(raw, 8 << 10, 32).Packed, Pooled(raw, 8 << 10, 32).Packed);
        // (No bound on the idle count here: the pool is per process, and the other tests' seals use other settings.)
    }

    private sealed class FailingStream : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("disk full");
        public override void Write(ReadOnlySpan<byte> buffer) => throw new IOException("disk full");
        public override void WriteByte(byte value) => throw new IOException("disk full");
    }
}
