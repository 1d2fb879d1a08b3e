using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Patching;

namespace MyNoSql.Storage.Tests.Patching;

/// <summary>The edges of <see cref="DocumentPatch.Apply"/> beyond the RFC examples: pointers, indexes, equality,
/// reserved keys, depth, atomicity and purity.</summary>
public class DocumentPatchTests
{
    private static JsonObject Apply(string content, string patch) =>
        DocumentPatch.Apply(JsonNode.Parse(content)!.AsObject(), JsonNode.Parse(patch)!, "db", "r1");

    private static void AssertJson(string expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual.ToJsonString()}");

    private static InvalidPatchException Invalid(string content, string patch) =>
        Assert.Throws<InvalidPatchException>(() => Apply(content, patch));

    [Theory]
    [InlineData("1", "1.0")]
    [InlineData("1", "1e0")]
    [InlineData("100", "1E2")]
    [InlineData("0.5", "5e-1")]
    [InlineData("0", "-0.0")]
    [InlineData("-12.50", "-1.25e1")]
    [InlineData("123456789012345678901234567890", "1.2345678901234567890123456789e29")]
    public void Test_compares_numbers_by_value(string stored, string tested)
    {
        var result = Apply($$"""{"n":{{stored}}}""", $$"""[{"op":"test","path":"/n","value":{{tested}}}]""");
        AssertJson($$"""{"n":{{stored}}}""", result);
    }

    [Theory]
    [InlineData("1", "2")]
    [InlineData("1", "\"1\"")]
    [InlineData("1", "true")]
    [InlineData("null", "0")]
    [InlineData("0.1", "0.10000000000000001")]
    [InlineData("1e400", "1e401")]
    [InlineData("[1,2]", "[2,1]")]
    [InlineData("{\"a\":1}", "{\"a\":1,\"b\":null}")]
    [InlineData("\"A\"", "\"a\"")]
    public void Test_fails_on_any_difference(string stored, string tested)
    {
        var e = Assert.Throws<PatchTestFailedException>(() =>
            Apply($$"""{"x":0,"n":{{stored}}}""", $$"""[{"op":"test","path":"/x","value":0},{"op":"test","path":"/n","value":{{tested}}}]"""));
        Assert.Equal(1, e.Operation);
        Assert.Equal("/n", e.Path);
        Assert.Equal("db", e.Database);
        Assert.Equal("r1", e.Id);
    }

    [Fact]
    public void Test_compares_objects_deeply_in_any_member_order()
    {
        AssertJson("""{"o":{"a":[1,{"b":2.0}],"c":"x"}}""",
            Apply("""{"o":{"a":[1,{"b":2.0}],"c":"x"}}""", """[{"op":"test","path":"/o","value":{"c":"x","a":[1.0,{"b":2}]}}]"""));
        AssertJson("""{"a":{}}""", Apply("""{"a":{}}""", """[{"op":"test","path":"","value":{"a":{}}}]"""));
    }

    [Fact]
    public void Test_of_a_missing_path_fails_as_a_test()
    {
        var e = Assert.Throws<PatchTestFailedException>(() => Apply("""{"a":[1]}""", """[{"op":"test","path":"/a/3","value":1}]"""));
        Assert.Equal("/a/3", e.Path);
        Assert.Throws<PatchTestFailedException>(() => Apply("""{"a":1}""", """[{"op":"test","path":"/b","value":null}]"""));
    }

    [Fact]
    public void Escapes_name_members_with_slash_and_tilde()
    {
        AssertJson("""{"a/b":2,"m~n":3,"~1":4}""",
            Apply("""{"a/b":1,"m~n":1}""", """[{"op":"replace","path":"/a~1b","value":2},{"op":"replace","path":"/m~0n","value":3},{"op":"add","path":"/~01","value":4}]"""));
        AssertJson("""{}""", Apply("""{"a/b":1}""", """[{"op":"remove","path":"/a~1b"}]"""));
        AssertJson("""{"":1}""", Apply("""{}""", """[{"op":"add","path":"/","value":1}]"""));
        Assert.Contains("'~'", Invalid("""{"a":1}""", """[{"op":"remove","path":"/a~2"}]""").Message, StringComparison.Ordinal);
        Invalid("""{"a":1}""", """[{"op":"remove","path":"/a~"}]""");
        Invalid("""{"a":1}""", """[{"op":"remove","path":"a"}]""");
    }

    [Fact]
    public void Dash_appends_and_names_nothing_else()
    {
        AssertJson("""{"a":[1,2,3]}""", Apply("""{"a":[1,2]}""", """[{"op":"add","path":"/a/-","value":3}]"""));
        AssertJson("""{"a":[1],"b":[1]}""", Apply("""{"a":[1],"b":[]}""", """[{"op":"copy","from":"/a/0","path":"/b/-"}]"""));
        Invalid("""{"a":[1]}""", """[{"op":"remove","path":"/a/-"}]""");
        Invalid("""{"a":[1]}""", """[{"op":"replace","path":"/a/-","value":2}]""");
        Invalid("""{"a":[1]}""", """[{"op":"move","from":"/a/-","path":"/b"}]""");
    }

    [Theory]
    [InlineData("""[{"op":"add","path":"/a/3","value":9}]""", "out of range")]
    [InlineData("""[{"op":"add","path":"/a/01","value":9}]""", "not an array index")]
    [InlineData("""[{"op":"add","path":"/a/-1","value":9}]""", "not an array index")]
    [InlineData("""[{"op":"add","path":"/a/x","value":9}]""", "not an array index")]
    [InlineData("""[{"op":"remove","path":"/a/2"}]""", "out of range")]
    [InlineData("""[{"op":"replace","path":"/a/99999999999999999999","value":1}]""", "out of range")]
    [InlineData("""[{"op":"remove","path":"/b"}]""", "does not exist")]
    [InlineData("""[{"op":"replace","path":"/b","value":1}]""", "does not exist")]
    [InlineData("""[{"op":"add","path":"/b/c","value":1}]""", "does not exist")]
    [InlineData("""[{"op":"add","path":"/s/c","value":1}]""", "string")]
    [InlineData("""[{"op":"move","from":"/b","path":"/c"}]""", "does not exist")]
    [InlineData("""[{"op":"copy","from":"/a/5","path":"/c"}]""", "does not exist")]
    [InlineData("""[{"op":"remove","path":""}]""", "whole document")]
    [InlineData("""[{"op":"replace","path":"","value":[1]}]""", "JSON object")]
    [InlineData("""[{"op":"add","path":"","value":null}]""", "JSON object")]
    [InlineData("""[{"op":"move","from":"/o","path":"/o/p"}]""", "into itself")]
    public void Operations_that_cannot_apply_name_the_operation_and_path(string patch, string reason)
    {
        var e = Invalid("""{"a":[1,2],"s":"x","o":{"p":1}}""", patch);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Contains("operation 0", e.Message, StringComparison.Ordinal);
        string path = JsonNode.Parse(patch)![0]!["path"]!.GetValue<string>();
        Assert.Contains($"at '{path}'", e.Message, StringComparison.Ordinal);
        Assert.Equal("patch", e.ParamName);
    }

    [Theory]
    [InlineData("""[1]""", "must be a JSON object")]
    [InlineData("""[{"path":"/a"}]""", "lacks the member 'op'")]
    [InlineData("""[{"op":"frob","path":"/a"}]""", "unknown op 'frob'")]
    [InlineData("""[{"op":"ADD","path":"/a","value":1}]""", "unknown op")]
    [InlineData("""[{"op":1,"path":"/a"}]""", "'op' must be a string")]
    [InlineData("""[{"op":"add","value":1}]""", "lacks the member 'path'")]
    [InlineData("""[{"op":"add","path":null,"value":1}]""", "'path' must be a string")]
    [InlineData("""[{"op":"add","path":"/a"}]""", "lacks the member 'value'")]
    [InlineData("""[{"op":"replace","path":"/a"}]""", "lacks the member 'value'")]
    [InlineData("""[{"op":"test","path":"/a"}]""", "lacks the member 'value'")]
    [InlineData("""[{"op":"move","path":"/a"}]""", "lacks the member 'from'")]
    [InlineData("""[{"op":"copy","path":"/b","from":3}]""", "'from' must be a string")]
    public void Malformed_operations_are_refused(string patch, string reason)
    {
        var e = Invalid("""{"a":1}""", patch);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Contains("operation 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Value_null_is_a_value()
    {
        AssertJson("""{"a":null,"b":null}""", Apply("""{"a":1}""", """[{"op":"replace","path":"/a","value":null},{"op":"add","path":"/b","value":null}]"""));
        AssertJson("""{"a":null}""", Apply("""{"a":null}""", """[{"op":"test","path":"/a","value":null}]"""));
    }

    [Fact]
    public void An_empty_patch_changes_nothing()
    {
        AssertJson("""{"a":1}""", Apply("""{"a":1}""", "[]"));
        AssertJson("""{"a":1}""", Apply("""{"a":1}""", "{}"));
    }

    [Fact]
    public void Replace_keeps_the_member_order_and_root_replace_takes_the_new_object()
    {
        Assert.Equal("""{"a":1,"b":9,"c":3}""", Apply("""{"a":1,"b":2,"c":3}""", """[{"op":"replace","path":"/b","value":9}]""").ToJsonString());
        AssertJson("""{"z":[1]}""", Apply("""{"a":1}""", """[{"op":"replace","path":"","value":{"z":[1]}}]"""));
        AssertJson("""{"z":1}""", Apply("""{"a":{"z":1}}""", """[{"op":"move","from":"/a","path":""}]"""));
    }

    [Fact]
    public void Move_and_copy_work_across_objects_and_arrays_and_copies_are_independent()
    {
        AssertJson("""{"a":[],"b":{"x":1}}""", Apply("""{"a":[1],"b":{}}""", """[{"op":"move","from":"/a/0","path":"/b/x"}]"""));
        AssertJson("""{"a":{"x":1}}""", Apply("""{"a":{"x":1}}""", """[{"op":"move","from":"/a","path":"/a"}]"""));
        AssertJson("""{"a":{"x":2},"b":{"x":1}}""",
            Apply("""{"a":{"x":1}}""", """[{"op":"copy","from":"/a","path":"/b"},{"op":"replace","path":"/a/x","value":2}]"""));
        AssertJson("""{"a":[2,1]}""", Apply("""{"a":[1,2]}""", """[{"op":"move","from":"/a/0","path":"/a/-"}]"""));
    }

    [Theory]
    [InlineData("""[{"op":"add","path":"/id","value":"x"}]""")]
    [InlineData("""[{"op":"replace","path":"/rev","value":"1-00"}]""")]
    [InlineData("""[{"op":"remove","path":"/id"}]""")]
    [InlineData("""[{"op":"test","path":"/rev","value":"1-00"}]""")]
    [InlineData("""[{"op":"add","path":"/id/x","value":1}]""")]
    [InlineData("""[{"op":"move","from":"/a","path":"/id"}]""")]
    [InlineData("""[{"op":"copy","from":"/a","path":"/rev"}]""")]
    [InlineData("""[{"op":"move","from":"/id","path":"/a"}]""")]
    [InlineData("""[{"op":"add","path":"","value":{"id":"other"}}]""")]
    [InlineData("""[{"op":"replace","path":"","value":{"a":1,"rev":"1-0"}}]""")]
    [InlineData("""[{"op":"move","from":"/o","path":""}]""")]
    [InlineData("""{"id":"other"}""")]
    [InlineData("""{"rev":null}""")]
    [InlineData("""{"a":2,"rev":"2-00000000000000000000000000000000"}""")]
    public void Id_and_rev_are_refused(string patch)
    {
        var e = Invalid("""{"a":1,"o":{"id":"inner"}}""", patch);
        Assert.Contains("reserved", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nested_members_named_id_or_rev_are_ordinary()
    {
        AssertJson("""{"o":{"id":2,"rev":3}}""", Apply("""{"o":{"id":1}}""", """[{"op":"replace","path":"/o/id","value":2},{"op":"add","path":"/o/rev","value":3}]"""));
        AssertJson("""{"o":{"id":5}}""", Apply("""{"o":{"id":1}}""", """{"o":{"id":5}}"""));
    }

    [Fact]
    public void A_failing_operation_leaves_the_inputs_as_they_were()
    {
        var content = JsonNode.Parse("""{"a":1,"list":[1,2],"o":{"x":1}}""")!.AsObject();
        var patch = JsonNode.Parse("""[{"op":"replace","path":"/a","value":2},{"op":"add","path":"/list/-","value":{"n":1}},{"op":"remove","path":"/missing"}]""")!;
        string contentBefore = content.ToJsonString(), patchBefore = patch.ToJsonString();
        var e = Assert.Throws<InvalidPatchException>(() => DocumentPatch.Apply(content, patch, "db", "r1"));
        Assert.Contains("operation 2", e.Message, StringComparison.Ordinal);
        Assert.Equal(contentBefore, content.ToJsonString());
        Assert.Equal(patchBefore, patch.ToJsonString());

        // A success copies too: neither input changes, and the result shares no node with them.
        var result = DocumentPatch.Apply(content, JsonNode.Parse("""[{"op":"add","path":"/o/y","value":{"deep":[1]}}]""")!, "db", "r1");
        result["o"]!["x"] = 99;
        Assert.Equal(contentBefore, content.ToJsonString());
        var merge = JsonNode.Parse("""{"o":{"z":{"k":[1]}}}""")!;
        var merged = DocumentPatch.Apply(content, merge, "db", "r1");
        merged["o"]!["z"]!["k"]!.AsArray().Add(2);
        Assert.Equal("""{"o":{"z":{"k":[1]}}}""", merge.ToJsonString());
        Assert.Equal(contentBefore, content.ToJsonString());
    }

    [Fact]
    public void Nesting_beyond_the_maximum_depth_is_refused()
    {
        static JsonNode Nest(int levels)
        {
            JsonNode node = new JsonObject();
            for (int i = 1; i < levels; i++) node = new JsonObject { ["n"] = node };
            return node;
        }
        var content = new JsonObject { ["a"] = 1 };
        // A merge patch as deep as the limit gives a record as deep as the limit: accepted.
        var ok = DocumentPatch.Apply(content, Nest(DocumentCodec.MaxDepth), "db", "r1");
        Assert.NotNull(ok["n"]);
        Assert.Contains("deeper", Assert.Throws<InvalidPatchException>(() => DocumentPatch.Apply(content, Nest(DocumentCodec.MaxDepth + 1), "db", "r1")).Message, StringComparison.Ordinal);
        // A JSON Patch adding a value one level too deep for where it goes.
        var add = new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "/deep", ["value"] = Nest(DocumentCodec.MaxDepth) });
        Assert.Contains("deeper", Assert.Throws<InvalidPatchException>(() => DocumentPatch.Apply(content, add, "db", "r1")).Message, StringComparison.Ordinal);
        var fits = new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "/deep", ["value"] = Nest(DocumentCodec.MaxDepth - 1) });
        Assert.NotNull(DocumentPatch.Apply(content, fits, "db", "r1")["deep"]);
        // Far deeper than any limit: refused without walking it all (no stack overflow).
        Assert.Throws<InvalidPatchException>(() => DocumentPatch.Apply(content, Nest(100_000), "db", "r1"));
    }
}
