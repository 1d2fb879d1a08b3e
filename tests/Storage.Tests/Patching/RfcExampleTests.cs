using System.Text.Json.Nodes;
using MyNoSql.Storage.Patching;

namespace MyNoSql.Storage.Tests.Patching;

/// <summary>The examples of RFC 6902 Appendix A and RFC 7396 Appendix A whose document is an object (a record's content
/// always is), applied through <see cref="DocumentPatch.Apply"/>.</summary>
public class RfcExampleTests
{
    /// <summary>RFC 6902 Appendix A: name, document, patch, expected document ("" when the patch must fail), and how
    /// it fails ("invalid" or "test").</summary>
    public static TheoryData<string, string, string, string, string> JsonPatchExamples => new()
    {
        { "A.1 adding an object member", """{"foo":"bar"}""", """[{ "op": "add", "path": "/baz", "value": "qux" }]""", """{"baz":"qux","foo":"bar"}""", "" },
        { "A.2 adding an array element", """{"foo":["bar","baz"]}""", """[{ "op": "add", "path": "/foo/1", "value": "qux" }]""", """{"foo":["bar","qux","baz"]}""", "" },
        { "A.3 removing an object member", """{"baz":"qux","foo":"bar"}""", """[{ "op": "remove", "path": "/baz" }]""", """{"foo":"bar"}""", "" },
        { "A.4 removing an array element", """{"foo":["bar","qux","baz"]}""", """[{ "op": "remove", "path": "/foo/1" }]""", """{"foo":["bar","baz"]}""", "" },
        { "A.5 replacing a value", """{"baz":"qux","foo":"bar"}""", """[{ "op": "replace", "path": "/baz", "value": "boo" }]""", """{"baz":"boo","foo":"bar"}""", "" },
        { "A.6 moving a value", """{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}""", """[{ "op": "move", "from": "/foo/waldo", "path": "/qux/thud" }]""",
            """{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}""", "" },
        { "A.7 moving an array element", """{"foo":["all","grass","cows","eat"]}""", """[{ "op": "move", "from": "/foo/1", "path": "/foo/3" }]""", """{"foo":["all","cows","eat","grass"]}""", "" },
        { "A.8 testing a value: success", """{"baz":"qux","foo":["a",2,"c"]}""", """[{ "op": "test", "path": "/baz", "value": "qux" },{ "op": "test", "path": "/foo/1", "value": 2 }]""",
            """{"baz":"qux","foo":["a",2,"c"]}""", "" },
        { "A.9 testing a value: error", """{"baz":"qux"}""", """[{ "op": "test", "path": "/baz", "value": "bar" }]""", "", "test" },
        { "A.10 adding a nested member object", """{"foo":"bar"}""", """[{ "op": "add", "path": "/child", "value": { "grandchild": { } } }]""", """{"foo":"bar","child":{"grandchild":{}}}""", "" },
        { "A.11 ignoring unrecognized elements", """{"foo":"bar"}""", """[{ "op": "add", "path": "/baz", "value": "qux", "xyz": 123 }]""", """{"foo":"bar","baz":"qux"}""", "" },
        { "A.12 adding to a nonexistent target", """{"foo":"bar"}""", """[{ "op": "add", "path": "/baz/bat", "value": "qux" }]""", "", "invalid" },
        { "A.13 invalid JSON Patch document", """{"foo":"bar"}""", """[{ "op": "add", "path": "/baz", "value": "qux", "op": "remove" }]""", "", "invalid" },
        { "A.14 ~ escape ordering", """{"/":9,"~1":10}""", """[{"op": "test", "path": "/~01", "value": 10}]""", """{"/":9,"~1":10}""", "" },
        { "A.15 comparing strings and numbers", """{"/":9,"~1":10}""", """[{"op": "test", "path": "/~01", "value": "10"}]""", "", "test" },
        { "A.16 adding an array value", """{"foo":["bar"]}""", """[{ "op": "add", "path": "/foo/-", "value": ["abc", "def"] }]""", """{"foo":["bar",["abc","def"]]}""", "" },
    };

    /// <summary>RFC 7396 Appendix A, the rows whose target and patch are objects: target, patch, result.</summary>
    public static TheoryData<string, string, string> MergePatchExamples => new()
    {
        { """{"a":"b"}""", """{"a":"c"}""", """{"a":"c"}""" },
        { """{"a":"b"}""", """{"b":"c"}""", """{"a":"b","b":"c"}""" },
        { """{"a":"b"}""", """{"a":null}""", """{}""" },
        { """{"a":"b","b":"c"}""", """{"a":null}""", """{"b":"c"}""" },
        { """{"a":["b"]}""", """{"a":"c"}""", """{"a":"c"}""" },
        { """{"a":"c"}""", """{"a":["b"]}""", """{"a":["b"]}""" },
        { """{"a":{"b":"c"}}""", """{"a":{"b":"d","c":null}}""", """{"a":{"b":"d"}}""" },
        { """{"a":[{"b":"c"}]}""", """{"a":[1]}""", """{"a":[1]}""" },
        { """{"e":null}""", """{"a":1}""", """{"e":null,"a":1}""" },
        { """{}""", """{"a":{"bb":{"ccc":null}}}""", """{"a":{"bb":{}}}""" },
        // RFC 7396 §3's example.
        { """{"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"}""",
          """{"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]}""",
          """{"title":"Hello!","author":{"givenName":"John"},"tags":["example"],"content":"This will be unchanged","phoneNumber":"+01-123-456-7890"}""" },
    };

    [Theory]
    [MemberData(nameof(JsonPatchExamples))]
    public void Rfc6902_appendix_A(string name, string document, string patch, string expected, string failure)
    {
        var content = JsonNode.Parse(document)!.AsObject();
        string before = content.ToJsonString();
        var operations = JsonNode.Parse(patch)!;
        if (failure.Length == 0)
        {
            var result = DocumentPatch.Apply(content, operations, "db", "r1");
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), result), $"{name}: got {result.ToJsonString()}");
        }
        else if (failure == "test")
        {
            var e = Assert.Throws<PatchTestFailedException>(() => DocumentPatch.Apply(content, operations, "db", "r1"));
            Assert.Equal(0, e.Operation);
            Assert.Equal(operations[0]!["path"]!.GetValue<string>(), e.Path);
        }
        else
        {
            Assert.Throws<InvalidPatchException>(() => DocumentPatch.Apply(content, operations, "db", "r1"));
        }
        Assert.Equal(before, content.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(MergePatchExamples))]
    public void Rfc7396_appendix_A(string target, string patch, string expected)
    {
        var content = JsonNode.Parse(target)!.AsObject();
        var mergePatch = JsonNode.Parse(patch)!;
        string before = content.ToJsonString();
        string patchBefore = mergePatch.ToJsonString();
        var result = DocumentPatch.Apply(content, mergePatch, "db", "r1");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), result), $"got {result.ToJsonString()}");
        Assert.Equal(before, content.ToJsonString());
        Assert.Equal(patchBefore, mergePatch.ToJsonString());
    }

    /// <summary>RFC 7396 Appendix A rows whose patch is not an object: for a record they are not merge patches (an array is
    /// read as a JSON Patch, whose elements must be operations; a string is neither).</summary>
    [Theory]
    [InlineData("""["c"]""")]
    [InlineData("\"bar\"")]
    [InlineData("42")]
    public void Non_object_merge_patches_are_refused(string patch)
    {
        var content = new JsonObject { ["a"] = "b" };
        Assert.Throws<InvalidPatchException>(() => DocumentPatch.Apply(content, JsonNode.Parse(patch)!, "db", "r1"));
        Assert.Equal("""{"a":"b"}""", content.ToJsonString());
    }
}
