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
}
