using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Indexing;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Tests.Indexing;

/// <summary>The fast key path (Utf8JsonReader over the stored body) equals <see cref="CollationKey.ForDocument"/> over the user's document.</summary>
public class IndexKeyReaderTests
{
    private static readonly Gen<string> Name = Gen.OneOf("a", "b", "c", "type", "x.y", "é", "\u00ff", "id", "rev", "0", "1");

    private static Gen<JsonNode?> Value(int depth) => depth == 0
        ? Gen.OneOf<JsonNode?>(
            Gen.Const<JsonNode?>((JsonNode?)null),
            Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
            Gen.Double[-1e6, 1e6].Select(d => (JsonNode?)JsonValue.Create(d)),
            Gen.Int.Select(i => (JsonNode?)JsonValue.Create(i)),
            Gen.String[Gen.Char.AlphaNumeric, 0, 6].Select(s => (JsonNode?)JsonValue.Create(s)),
            Gen.String[Gen.Char, 0, 4].Where(s => !s.Any(char.IsSurrogate)).Select(s => (JsonNode?)JsonValue.Create(s)))
        : Gen.Frequency(
            (4, Value(0)),
            (1, Value(depth - 1).Array[0, 3].Select(a => (JsonNode?)new JsonArray(a))),
            (1, Object(depth - 1).Select(o => (JsonNode?)o)));

    private static Gen<JsonObject> Object(int depth) =>
        Gen.Select(Name, Value(depth)).Array[0, 5].Select(pairs =>
        {
            var o = new JsonObject();
            foreach (var (k, v) in pairs)
            {
                if (k is "id" or "rev" || o.ContainsKey(k)) continue;
                o[k] = v?.DeepClone();
            }
            return o;
        });

    private static readonly Gen<string[]> Fields = Gen.OneOf("a", "b", "c.a", "c.b", "a.type", "id", "rev", "x\\.y", "é", "id.x", "c.c.a", "a.0", "c.1", "c.0.a", "b.1.0", "a.01", "id.0").Array[1, 4];

    [Fact]
    public void The_fast_path_equals_the_collation_key_of_the_users_document()
    {
        Gen.Select(Object(2), Fields).Sample((body, fields) =>
        {
            var paths = fields.Select(FieldPath.Parse).ToList();
            var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
            var rev = Revision.Next(default, false, bytes);
            var user = DocumentCodec.Compose("doc-1", rev, bytes);
            var buffer = new ArrayBufferWriter<byte>();
            IndexKeyReader.Append(buffer, paths, "doc-1", rev, bytes);
            Assert.Equal(Convert.ToHexString(CollationKey.ForDocument(user, paths)), Convert.ToHexString(buffer.WrittenSpan));
        }, iter: 3000);
    }

    [Fact]
    public void Entry_ids_round_trip_through_the_string_body()
    {
        Gen.String.Sample(id =>
        {
            var entry = IndexItem.Compose([CollationKey.Null], id);
            Assert.Equal(id, new IndexItem(entry, 1, 1).Id);
        }, iter: 2000);
    }
}
