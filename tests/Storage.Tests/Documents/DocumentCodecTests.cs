using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Tests.Documents;

public class DocumentCodecTests
{
    [Fact]
    public void Parse_strips_reserved_keys_and_compose_puts_them_first()
    {
        var doc = new JsonObject { ["a"] = 1, ["id"] = "k", ["rev"] = "1-x", ["name"] = "Ünï \"q\"" };
        var p = DocumentCodec.Parse(doc, 1 << 20);
        Assert.Equal("k", p.Id);
        Assert.Equal("1-x", p.Rev);
        Assert.Equal("{\"a\":1,\"name\":\"Ünï \\\"q\\\"\"}", Encoding.UTF8.GetString(p.Body));
        var rev = Revision.Next(default, false, p.Body);
        var back = DocumentCodec.Compose("k/\"x\"", rev, p.Body);
        Assert.Equal(["id", "rev", "a", "name"], back.Select(kv => kv.Key));
        Assert.Equal("k/\"x\"", (string?)back["id"]);
        Assert.Equal(rev.ToString(), (string?)back["rev"]);
        Assert.Equal("Ünï \"q\"", (string?)back["name"]);
        var empty = DocumentCodec.Compose("e", rev, "{}"u8);
        Assert.Equal(2, empty.Count);
    }

    [Fact]
    public void Non_string_id_oversize_and_deep_documents_are_argument_errors()
    {
        // Typed (DocumentFormatException names the part), still ArgumentExceptions as DESIGN §3 promises.
        Assert.Equal(DocumentPart.Id, Assert.Throws<DocumentFormatException>(() => DocumentCodec.Parse(new JsonObject { ["id"] = 5 }, 1000)).Part);
        Assert.Equal(DocumentPart.Id, Assert.Throws<DocumentFormatException>(() => DocumentCodec.Parse(new JsonObject { ["id"] = new JsonArray() }, 1000)).Part);
        var empty = Assert.Throws<DocumentFormatException>(() => DocumentCodec.Parse(new JsonObject { ["id"] = "" }, 1000));
        Assert.Equal(DocumentPart.Id, empty.Part);
        Assert.Equal("A record id must be a non-empty string. (Parameter 'document')", empty.Message); // once doubled
        Assert.Equal(DocumentPart.Content, Assert.Throws<DocumentFormatException>(() => DocumentCodec.Parse(new JsonObject { ["big"] = new string('x', 2000) }, 1000)).Part);
        JsonNode deep = new JsonObject();
        var root = deep;
        for (int i = 0; i < 300; i++) { var child = new JsonObject(); deep.AsObject()["n"] = child; deep = child; }
        Assert.IsAssignableFrom<ArgumentException>(Assert.Throws<DocumentFormatException>(() => DocumentCodec.Parse(root.AsObject(), 1 << 20)));
    }

    [Fact]
    public void Non_string_rev_is_reported_as_malformed_and_null_id_means_generate()
    {
        var p = DocumentCodec.Parse(new JsonObject { ["id"] = null, ["rev"] = 3 }, 1000);
        Assert.Null(p.Id);
        Assert.Equal("", p.Rev);
    }

    [Fact]
    public void A_body_after_a_refused_one_or_a_large_one_is_written_afresh()
    {
        // Parse reuses a per-thread writer: a write that failed half-way (too deep, too large) or a record larger than
        // what the thread keeps must leave nothing behind in the next body.
        JsonNode deep = new JsonObject { ["first"] = "x" };
        var root = deep;
        for (int i = 0; i < 300; i++) { var child = new JsonObject(); deep.AsObject()["n"] = child; deep = child; }
        Assert.Throws<DocumentFormatException>(() => DocumentCodec.Parse(root.AsObject(), 1 << 20));
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(DocumentCodec.Parse(new JsonObject { ["a"] = 1 }, 1000).Body));
        Assert.Throws<DocumentFormatException>(() => DocumentCodec.Parse(new JsonObject { ["big"] = new string('x', 2000) }, 1000));
        Assert.Equal("{\"b\":2}", Encoding.UTF8.GetString(DocumentCodec.Parse(new JsonObject { ["b"] = 2 }, 1000).Body));
        var large = DocumentCodec.Parse(new JsonObject { ["large"] = new string('y', 100_000) }, 1 << 20).Body;
        Assert.Equal(100_012, large.Length);
        var small = DocumentCodec.Parse(new JsonObject { ["c"] = 3 }, 1000).Body;
        Assert.Equal("{\"c\":3}", Encoding.UTF8.GetString(small));
        Assert.Equal(100_012, large.Length); // the returned bodies are copies, not views of the scratch buffer
        Assert.All(large.AsSpan(10, 100_000).ToArray(), b => Assert.Equal((byte)'y', b));
    }
}
