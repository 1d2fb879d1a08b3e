using System.Text;
using CsCheck;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Tests.Documents;

/// <summary><see cref="BodyDelta"/>: Apply(a, Create(a, b)) == b for any bytes, deltas are small for small edits,
/// deterministic, and Apply refuses malformed deltas or another source with <see cref="FormatException"/>.</summary>
public sealed class BodyDeltaTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string Doc(int i, string status) =>
        $$"""{"name":"player-{{i}}","score":{{i * 7}},"status":"{{status}}","tags":["a","b","c"],"bio":"{{new string('x', 400)}}","level":{{i % 9}}}""";

    [Fact]
    public void Round_trips_edge_cases()
    {
        byte[][] samples = [[], B("{}"), B("{\"a\":1}"), B(new string('a', 5000)), B(Doc(1, "on")), B(Doc(2, "off")), [0, 255, 0, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9]];
        foreach (var a in samples)
            foreach (var b in samples)
                Assert.Equal(b, BodyDelta.Apply(a, BodyDelta.Create(a, b)));
    }

    [Fact]
    public void A_few_changed_fields_make_a_small_delta()
    {
        var a = B(Doc(5, "online"));
        var b = B(Doc(5, "away").Replace("\"score\":35", "\"score\":36", StringComparison.Ordinal).Replace("\"level\":5", "\"level\":6", StringComparison.Ordinal));
        var delta = BodyDelta.Create(a, b);
        Assert.True(delta.Length < 48, $"delta of {delta.Length} bytes for a {b.Length}-byte body");
        Assert.Equal(b, BodyDelta.Apply(a, delta));
        Assert.Equal(delta, BodyDelta.Create(a, b)); // deterministic
        // Moved content is found as copies too.
        var moved = B(Doc(5, "online")[200..] + Doc(5, "online")[..200]);
        Assert.True(BodyDelta.Create(a, moved).Length < 40);
    }

    [Fact]
    public void Applying_to_another_source_or_a_damaged_delta_is_a_format_error()
    {
        var a = B(Doc(1, "on"));
        var b = B(Doc(1, "off"));
        var delta = BodyDelta.Create(a, b);
        Assert.Throws<FormatException>(() => BodyDelta.Apply(B(Doc(2, "on")), delta)); // same length, other content
        Assert.Throws<FormatException>(() => BodyDelta.Apply(a.AsSpan(1), delta));
        Assert.Throws<FormatException>(() => BodyDelta.Apply(a, []));
        Assert.Throws<FormatException>(() => BodyDelta.Apply(a, delta.AsSpan(0, delta.Length - 1)));
        for (int i = 0; i < delta.Length; i++)
        {
            var bad = (byte[])delta.Clone();
            bad[i] ^= 0x41;
            Assert.Throws<FormatException>(() => BodyDelta.Apply(a, bad));
        }
    }

    [Fact]
    public void Hostile_lengths_do_not_allocate_or_read_out_of_bounds()
    {
        var a = B("{\"a\":1}");
        // Version 1, source length 7, result length 2^31-ish, checksum, one insert.
        byte[] huge = [1, 7, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0, 0, 0, 0, 2, (byte)'x'];
        Assert.Throws<FormatException>(() => BodyDelta.Apply(a, huge));
        // A copy far outside the source.
        byte[] farCopy = [1, 7, 4, 0, 0, 0, 0, 9, 0xFE, 0xFF, 0xFF, 0x0F];
        Assert.Throws<FormatException>(() => BodyDelta.Apply(a, farCopy));
        // A varint that never ends.
        byte[] endless = [1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        Assert.Throws<FormatException>(() => BodyDelta.Apply(a, endless));
    }

    [Fact]
    public void Property_apply_of_create_gives_the_target()
    {
        var bytes = Gen.Byte[0, 3].Array[0, 300]; // few symbols: many partial matches
        Gen.Select(bytes, bytes).Sample((a, b) => BodyDelta.Apply(a, BodyDelta.Create(a, b)).AsSpan().SequenceEqual(b), iter: 2000);
    }

    [Fact]
    public void Property_ops_alone_round_trip_and_malformed_ops_are_format_errors()
    {
        var bytes = Gen.Byte[0, 5].Array[0, 200];
        Gen.Select(bytes, bytes, Gen.Int[0, 1000], Gen.Byte).Sample((a, b, at, flip) =>
        {
            var ops = BodyDelta.CreateOps(a, b);
            if (!BodyDelta.ApplyOps(a, ops).AsSpan().SequenceEqual(b)) return false;
            if (ops.Length == 0) return true;
            // Damaged ops either fail with FormatException or give some bytes (ops carry no checksum); never another exception.
            ops[at % ops.Length] ^= (byte)(flip | 1);
            try { BodyDelta.ApplyOps(a, ops); } catch (FormatException) { }
            return true;
        }, iter: 2000);
    }

    [Fact]
    public void Property_edits_of_a_source_round_trip_and_stay_small()
    {
        var edits = Gen.Select(Gen.Int[0, 1500], Gen.Int[0, 20], Gen.String[0, 20]).Array[1, 4];
        edits.Sample(list =>
        {
            var a = Doc(3, "start");
            var b = a;
            foreach (var (at, cut, insert) in list)
            {
                int p = Math.Min(at, b.Length);
                b = b[..p] + insert + b[Math.Min(b.Length, p + cut)..];
            }
            var (x, y) = (B(a), B(b));
            var delta = BodyDelta.Create(x, y);
            return BodyDelta.Apply(x, delta).AsSpan().SequenceEqual(y) && delta.Length <= 20 + list.Length * 40 + Encoding.UTF8.GetByteCount(string.Concat(list.Select(l => l.Item3))) * 2;
        }, iter: 1000);
    }
}
