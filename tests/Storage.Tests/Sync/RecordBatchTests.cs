using System.IO.Compression;
using System.Text;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Storage.Tests.Sync;

public class RecordBatchTests
{
    [Fact]
    public void Records_with_conflicts_and_ancestry_round_trip_and_compress()
    {
        var records = new List<DocumentRecord>();
        for (int i = 0; i < 200; i++)
        {
            var s1 = DocumentRules.Save("db", null, $"k/{i}", null, Encoding.UTF8.GetBytes($"{{\"v\":{i}}}"));
            var s2 = DocumentRules.Save("db", s1.Record, $"k/{i}", s1.Leaf.Rev.ToString(), Encoding.UTF8.GetBytes($"{{\"v\":{i + 1},\"text\":\"{new string('z', 300)}\"}}"));
            var other = RevisionLeaf.Child(s1.Leaf, false, Encoding.UTF8.GetBytes("{\"other\":true}"));
            records.Add(DocumentRules.Merge(s2.Record, $"k/{i}", other).Record);
        }
        var encoded = RecordBatch.Encode(records);
        Assert.True(encoded.Length < records.Sum(r => r.Encode().Length) / 2, $"batch of {encoded.Length} bytes did not compress");
        var back = RecordBatch.Decode(encoded);
        Assert.Equal(records.Select(r => r.Id), back.Select(r => r.Id));
        Assert.Equal(records.SelectMany(r => r.Leaves.Select(l => l.Rev)), back.SelectMany(r => r.Leaves.Select(l => l.Rev)));
        Assert.Equal(records[7].Winner.Ancestry, back[7].Winner.Ancestry);
    }

    [Fact]
    public void Garbage_and_truncation_are_format_errors()
    {
        var encoded = RecordBatch.Encode([DocumentRules.Save("db", null, "x", null, "{\"a\":1}"u8.ToArray()).Record]);
        Assert.Throws<FormatException>(() => RecordBatch.Decode([1, 2, 3, 4, 5]));
        Assert.Throws<FormatException>(() => RecordBatch.Decode(encoded.AsSpan(0, encoded.Length / 2)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65_000)]
    [InlineData(65_536 - 40)]
    [InlineData(3 * 65_536)]
    [InlineData(5_000_000)]
    public void Batches_of_any_size_round_trip_including_the_decoder_buffer_boundaries(int textLength)
    {
        // Incompressible text so that the decoded size, not the encoded one, crosses the 64 KiB scratch boundaries.
        var random = new Random(textLength);
        string text = string.Create(textLength, random, (span, r) => { for (int i = 0; i < span.Length; i++) span[i] = (char)('a' + r.Next(26)); });
        var record = DocumentRules.Save("db", null, "big", null, Encoding.UTF8.GetBytes($"{{\"t\":\"{text}\"}}")).Record;
        var back = Assert.Single(RecordBatch.Decode(RecordBatch.Encode([record])));
        Assert.True(record.Winner.Body.Span.SequenceEqual(back.Winner.Body.Span));
    }

    [Fact]
    public void A_decompression_bomb_is_a_format_error_without_decoding_it_into_memory()
    {
        // 300 MiB of zeros compress to a few hundred KB; the decoder stops at its limit while only counting.
        using var compressed = new MemoryStream();
        using (var brotli = new BrotliStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 300; i++) brotli.Write(zeros);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<RecordBatchTooLargeException>(() => RecordBatch.Decode(compressed.ToArray()));
        Assert.Contains("exceeds", error.Message, StringComparison.Ordinal);
        Assert.Equal(RecordBatch.MaxDecodedBytes, error.Limit);
        // A smaller bound (a push: the push limit) stops it earlier, with that limit.
        Assert.Equal(64 << 20, Assert.Throws<RecordBatchTooLargeException>(() => RecordBatch.Decode(compressed.ToArray(), 64 << 20)).Limit);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "the bomb was decoded into memory");
    }
}
