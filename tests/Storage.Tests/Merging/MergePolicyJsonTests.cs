using System.Text.Json.Nodes;
using MyNoSql.Storage.Merging;

namespace MyNoSql.Storage.Tests.Merging;

public sealed class MergePolicyJsonTests
{
    [Fact]
    public void Parses_every_strategy_and_the_stamp_and_writes_the_same_shape_back()
    {
        var (policy, stamp) = MergePolicyJson.Parse(JsonNode.Parse("""{"fields":{"title":"latest","score":"max","low":"min","tags":"union","visits":"counter","kind":"winner"},"stamp":42}"""));
        Assert.Equal(42, stamp);
        Assert.Equal(MergeStrategy.Latest, policy.Fields["title"]);
        Assert.Equal(MergeStrategy.Counter, policy.Fields["visits"]);
        Assert.Equal(6, policy.Fields.Count);
        Assert.Equal("""{"fields":{"kind":"winner","low":"min","score":"max","tags":"union","title":"latest","visits":"counter"},"stamp":42}""",
            MergePolicyJson.ToJson(policy, stamp).ToJsonString());
        Assert.Equal("""{"fields":{}}""", MergePolicyJson.ToJson(new MergePolicy()).ToJsonString());
    }

    [Fact]
    public void The_empty_object_is_the_empty_policy()
    {
        var (policy, stamp) = MergePolicyJson.Parse(new JsonObject());
        Assert.True(policy.IsEmpty);
        Assert.Empty(policy.Fields);
        Assert.Equal(0, stamp);
    }

    [Theory]
    [InlineData("""[]""", "JSON object")]
    [InlineData("""{"fields":[]}""", "\"fields\"")]
    [InlineData("""{"fields":{"title":"newest"}}""", "\"title\": unknown strategy \"newest\"")]
    [InlineData("""{"fields":{"title":"Latest"}}""", "unknown strategy \"Latest\"")]
    [InlineData("""{"fields":{"title":3}}""", "\"title\": the strategy must be a string")]
    [InlineData("""{"fields":{"":"max"}}""", "cannot be empty")]
    [InlineData("""{"fields":{"id":"max"}}""", "\"id\"")]
    [InlineData("""{"fields":{"rev":"max"}}""", "\"rev\"")]
    [InlineData("""{"fields":{},"stamp":-1}""", "\"stamp\"")]
    [InlineData("""{"fields":{},"stamp":"1"}""", "\"stamp\"")]
    [InlineData("""{"fields":{},"other":1}""", "\"other\"")]
    public void Bad_policies_are_refused_naming_what_is_wrong(string json, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => MergePolicyJson.Parse(JsonNode.Parse(json)));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void At_most_a_thousand_fields()
    {
        var fields = new JsonObject();
        for (int i = 0; i <= MergePolicyJson.MaxFields; i++) fields["f" + i] = "max";
        var root = new JsonObject { ["fields"] = fields };
        var e = Assert.Throws<ArgumentException>(() => MergePolicyJson.Parse(root));
        Assert.Contains("at most 1000", e.Message, StringComparison.Ordinal);
        fields.Remove("f0");
        Assert.Equal(MergePolicyJson.MaxFields, MergePolicyJson.Parse(root).Policy.Fields.Count);
    }

    [Fact]
    public void Validate_refuses_an_undefined_strategy_in_code()
    {
        var policy = new MergePolicy { Fields = { ["x"] = (MergeStrategy)42 } };
        Assert.Contains("\"x\"", Assert.Throws<ArgumentException>(() => MergePolicyJson.Validate(policy)).Message, StringComparison.Ordinal);
    }
}
