using System.Buffers;
using System.IO.Compression;
using System.Text;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.IO;
using MyNoSql.Storage.Sync;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace MyNoSql.Storage.Tests.Fuzz;

/// <summary>
/// The sync record batch (a push body straight from the network) and the stored record payload decode random and
/// mutated bytes into records or a <see cref="FormatException"/>: never another exception or a huge allocation.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class DecoderFuzzTests(ITestOutputHelper output)
{
    private static List<DocumentRecord> Sample()
    {
        var records = new List<DocumentRecord>();
        for (int i = 0; i < 12; i++)
        {
            var s1 = DocumentRules.Save("db", null, $"k/{i}", null, Encoding.UTF8.GetBytes($"{{\"v\":{i}}}"));
            var s2 = DocumentRules.Save("db", s1.Record, $"k/{i}", s1.Leaf.Rev.ToString(), Encoding.UTF8.GetBytes($"{{\"v\":{i + 1},\"t\":\"{new string('z', i * 5)}\"}}"));
            var record = s2.Record;
            if (i % 3 == 0) record = DocumentRules.Merge(record, $"k/{i}", RevisionLeaf.Child(s1.Leaf, i % 2 == 0, "{\"other\":1}"u8.ToArray())).Record;
            records.Add(record);
        }
        return records;
    }

    public static TheoryData<string, byte[]> HostileBatches()
    {
        static byte[] Raw(params byte[][] parts) => Compress([.. parts.SelectMany(p => p)]);
        static byte[] V(ulong value)
        {
            var b = new byte[10];
            return b[..VarInt.Write(b, value)];
        }
        var payload = Sample()[0].Encode();
        return new()
        {
            { "empty body", [] },
            { "not brotli", "{\"records\":[]}"u8.ToArray() },
            { "brotli of nothing", Compress([]) },
            { "unknown version", Raw([9], V(0)) },
            { "count 2^64-1 with no records", Raw([1], V(ulong.MaxValue)) },
            { "id length 2^63", Raw([1], V(1), V(1UL << 63)) },
            { "id length int.MaxValue+1", Raw([1], V(1), V((ulong)int.MaxValue + 1)) },
            { "id length int.MaxValue", Raw([1], V(1), V(int.MaxValue), "x"u8.ToArray()) },
            { "invalid UTF-8 id", Raw([1], V(1), V(2), [0xC3, 0x28], V((ulong)payload.Length), payload) },
            { "id with NUL", Raw([1], V(1), V(3), "a\0b"u8.ToArray(), V((ulong)payload.Length), payload) },
            { "empty id", Raw([1], V(1), V(0), V((ulong)payload.Length), payload) },
            { "payload length 2^63", Raw([1], V(1), V(1), "x"u8.ToArray(), V(1UL << 63)) },
            { "payload length int.MaxValue", Raw([1], V(1), V(1), "x"u8.ToArray(), V(int.MaxValue), payload) },
            { "65535 leaves in 7 bytes", Raw([1], V(1), V(1), "x"u8.ToArray(), V(7), [1, 0xFF, 0xFF, 0, 0, 0, 0]) },
            { "ancestry 65535 in a short payload", Raw([1], V(1), V(1), "x"u8.ToArray(), V(27), [1, 1, 0, .. new byte[20], 0, 0xFF, 0xFF, 0]) },
            { "leaf cut after its revision", Raw([1], V(1), V(1), "x"u8.ToArray(), V(23), [1, 1, 0, .. new byte[20]]) },
            { "body length negative", Raw([1], V(1), V(1), "x"u8.ToArray(), V(30), [1, 1, 0, .. new byte[20], 0, 0, 0, 0, 0, 0, 0x80]) },
            { "payload without winner rev", Raw([1], V(1), V(1), "x"u8.ToArray(), V(3), [2, 1, 0]) },
            { "no leaves", Raw([1], V(1), V(1), "x"u8.ToArray(), V(3), [1, 0, 0]) },
            { "varint of 11 bytes", Raw([1], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]) },
        };
    }

    [Theory]
    [MemberData(nameof(HostileBatches))]
    public void A_hostile_record_batch_is_a_format_error(string name, byte[] batch)
    {
        var error = Record.Exception(() => RecordBatch.Decode(batch));
        Assert.True(error is FormatException, $"{name}: {error?.GetType().Name ?? "decoded"} instead of FormatException\n{error}");
    }

    [Fact]
    public void Mutated_record_batches_decode_or_are_format_errors()
    {
        int seed = FuzzSettings.Seed(output, "record batch fuzz");
        var random = new Random(seed);
        var records = Sample();
        byte[] compressed = RecordBatch.Encode(records);
        byte[] raw = Decompress(compressed);
        int cases = FuzzSettings.Cases(4000), decoded = 0;
        for (int i = 0; i < cases; i++)
        {
            byte[] input;
            string what;
            switch (random.Next(3))
            {
                case 0:
                    input = (byte[])compressed.Clone();
                    what = "compressed: " + Mutator.Mutate(random, ref input);
                    break;
                case 1:
                    var mutated = (byte[])raw.Clone();
                    what = "raw: " + Mutator.Mutate(random, ref mutated);
                    input = Compress(mutated);
                    break;
                default:
                    input = Compress(Mutator.RandomBytes(random, random.Next(1, 512)));
                    input[0] = 1;
                    what = "random";
                    break;
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var back = RecordBatch.Decode(input);
                foreach (var r in back) DocumentId.Validate(r.Id);
                decoded++;
            }
            catch (FormatException) { }
            catch (Exception e)
            {
                throw new XunitException($"seed {seed} case {i} ({what}): {e.GetType().Name} instead of FormatException\n{e}");
            }
            long used = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(used < 64L << 20, $"seed {seed} case {i} ({what}): allocated {used >> 20} MiB for a {input.Length}-byte batch");
        }
        output.WriteLine($"{cases} batches, {decoded} decoded, {cases - decoded} format errors");
        Assert.InRange(decoded, 1, cases - 1);
    }

    [Fact]
    public void Mutated_record_payloads_decode_or_are_format_errors()
    {
        int seed = FuzzSettings.Seed(output, "record payload fuzz");
        var random = new Random(seed);
        var payloads = Sample().SelectMany(r => new[] { (r, r.Encode(), false), (r, r.Encode(omitWinnerRevision: true), true) }).ToList();
        int cases = FuzzSettings.Cases(8000);
        for (int i = 0; i < cases; i++)
        {
            var (record, original, omitted) = payloads[random.Next(payloads.Count)];
            var bytes = random.Next(10) == 0 ? Mutator.RandomBytes(random, random.Next(64)) : (byte[])original.Clone();
            string what = Mutator.Mutate(random, ref bytes);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var back = DocumentRecord.Decode(record.Id, bytes, omitted ? record.Winner.Rev : default);
                Assert.NotEmpty(back.Leaves);
            }
            catch (FormatException) { }
            catch (Exception e)
            {
                throw new XunitException($"seed {seed} case {i} ({what}): {e.GetType().Name} instead of FormatException\n{e}");
            }
            long used = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(used < 4L << 20, $"seed {seed} case {i} ({what}): allocated {used >> 10} KiB for a {bytes.Length}-byte payload");
        }
    }

    private static byte[] Compress(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var brotli = new BrotliStream(output, CompressionLevel.Fastest, leaveOpen: true)) brotli.Write(raw);
        return output.ToArray();
    }

    private static byte[] Decompress(byte[] compressed)
    {
        using var input = new MemoryStream(compressed);
        using var brotli = new BrotliStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        brotli.CopyTo(output);
        return output.ToArray();
    }
}
