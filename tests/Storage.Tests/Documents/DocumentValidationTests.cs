using System.Text;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Tests.Documents;

/// <summary>The one body validator (<see cref="DocumentCodec.ValidateBody"/>) and the UTF-8 request parser, with the part each names.</summary>
public sealed class DocumentValidationTests
{
    private static byte[] B(string json) => Encoding.UTF8.GetBytes(json);

    private static DocumentPart BodyProblem(byte[] body, int max = 1 << 20) =>
        Assert.Throws<DocumentFormatException>(() => DocumentCodec.ValidateBody(body, max)).Part;

    private static DocumentPart ParseProblem(byte[] body, int max = 1 << 20) =>
        Assert.Throws<DocumentFormatException>(() => DocumentCodec.ParseUtf8(body, max)).Part;

    [Fact]
    public void Stored_bodies_must_be_utf8_json_objects_within_the_limits_without_reserved_keys()
    {
        DocumentCodec.ValidateBody(B("{}"), 2);
        DocumentCodec.ValidateBody(B("{\"a\":[1,{\"b\":\"ü\"}],\"ids\":1}"), 100);
        Assert.Equal(DocumentPart.Encoding, BodyProblem([.. B("{\"a\":\""), 0xFF, .. B("\"}")]));
        Assert.Equal(DocumentPart.Syntax, BodyProblem(B("{\"a\":")));
        Assert.Equal(DocumentPart.Syntax, BodyProblem(B("{\"a\":1,\"a\":2}")));
        Assert.Equal(DocumentPart.Syntax, BodyProblem(B(new string('[', 300) + new string(']', 300))));
        Assert.Equal(DocumentPart.Syntax, BodyProblem([]));
        Assert.Equal(DocumentPart.Root, BodyProblem(B("[1]")));
        Assert.Equal(DocumentPart.Root, BodyProblem(B("null")));
        Assert.Equal(DocumentPart.Content, BodyProblem(B("{\"id\":\"x\"}")));
        Assert.Equal(DocumentPart.Content, BodyProblem(B("{\"v\":1,\"rev\":\"1-x\"}")));
        Assert.Equal(DocumentPart.Content, BodyProblem(B("{\"v\":\"0123456789\"}"), max: 10));
    }

    [Fact]
    public void Request_bodies_parse_to_the_stored_form_or_name_the_part_that_is_wrong()
    {
        var parsed = DocumentCodec.ParseUtf8(B("{\"id\":\"k\",\"rev\":\"1-a\",\"v\":1}"), 100);
        Assert.Equal("k", parsed.Id);
        Assert.Equal("1-a", parsed.Rev);
        Assert.Equal("{\"v\":1}", Encoding.UTF8.GetString(parsed.Body));
        DocumentCodec.ValidateBody(parsed.Body, 100);

        Assert.Equal(DocumentPart.Encoding, ParseProblem([.. B("{\"a\":\""), 0xC3, .. B("\"}")]));
        Assert.Equal(DocumentPart.Syntax, ParseProblem(B("{\"a\":")));
        Assert.Equal(DocumentPart.Syntax, ParseProblem(B("{\"a\":1,\"a\":2}")));
        Assert.Equal(DocumentPart.Syntax, ParseProblem(B("")));
        Assert.Equal(DocumentPart.Root, ParseProblem(B("\"text\"")));
        Assert.Equal(DocumentPart.Id, ParseProblem(B("{\"id\":42}")));
        Assert.Equal(DocumentPart.Id, ParseProblem(B("{\"id\":\"\\ud800\"}")));
        Assert.Equal(DocumentPart.Id, ParseProblem(B("{\"id\":\"a\\u0001b\"}")));
        Assert.Equal(DocumentPart.Content, ParseProblem(B("{\"v\":\"0123456789\"}"), max: 10));
    }
}
