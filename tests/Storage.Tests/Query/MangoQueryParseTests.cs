using System.Text.Json.Nodes;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Tests.Query;

/// <summary>Parsing queries: defaults, accepted forms, and every bad query naming its part.</summary>
public sealed class MangoQueryParseTests
{
    private static MangoQuery Parse(string json) => MangoQuery.Parse(JsonNode.Parse(json)!.AsObject());

    [Fact]
    public void Defaults_and_accepted_forms()
    {
        var q = Parse("""{"selector":{},"sort":["a",{"b.c":"desc"},{"d":"asc"}],"fields":["x","y.z"],"skip":3,"bookmark":null,"use_index":["_design/x","by-a"],"r":1,"conflicts":false,"execution_stats":true,"update":true,"stable":false}""");
        Assert.Equal(25, q.Limit);
        Assert.Equal(3, q.Skip);
        Assert.Null(q.Bookmark);
        Assert.Equal("by-a", q.UseIndex);
        Assert.Equal(["a", "b.c", "d"], q.Sort.Select(s => s.Path.Text));
        Assert.Equal([false, true, false], q.Sort.Select(s => s.Descending));
        Assert.Equal(["x", "y.z"], q.Fields!.Select(f => f.Text));
        Assert.Null(Parse("""{"selector":{},"fields":[]}""").Fields);
        Assert.Equal(0, Parse("""{"selector":{},"limit":0}""").Limit);
        Assert.Equal(10_000, Parse("""{"selector":{},"limit":10000}""").Limit);
        Assert.Equal("by-b", Parse("""{"selector":{},"use_index":"by-b"}""").UseIndex);
    }

    [Theory]
    [InlineData("""{}""", "selector")]
    [InlineData("""{"selector":[]}""", "selector")]
    [InlineData("""{"selector":{},"limit":10001}""", "limit")]
    [InlineData("""{"selector":{},"limit":-1}""", "limit")]
    [InlineData("""{"selector":{},"limit":1.5}""", "limit")]
    [InlineData("""{"selector":{},"limit":"5"}""", "limit")]
    [InlineData("""{"selector":{},"skip":-1}""", "skip")]
    [InlineData("""{"selector":{},"sort":"a"}""", "sort")]
    [InlineData("""{"selector":{},"sort":["a",{"b":"up"}]}""", "sort[1]")]
    [InlineData("""{"selector":{},"sort":[{"a":"asc","b":"asc"}]}""", "sort[0]")]
    [InlineData("""{"selector":{},"sort":[1]}""", "sort[0]")]
    [InlineData("""{"selector":{},"sort":["a..b"]}""", "sort[0]")]
    [InlineData("""{"selector":{},"fields":"a"}""", "fields")]
    [InlineData("""{"selector":{},"fields":["a",2]}""", "fields[1]")]
    [InlineData("""{"selector":{},"bookmark":5}""", "bookmark")]
    [InlineData("""{"selector":{},"use_index":5}""", "use_index")]
    [InlineData("""{"selector":{},"limits":5}""", "limits")]
    [InlineData("""{"selector":{"total":{"$gte":1,"$foo":2}}}""", "selector.total.$foo")]
    [InlineData("""{"selector":{"$and":{}}}""", "selector.$and")]
    [InlineData("""{"selector":{"$or":[{},3]}}""", "selector.$or[1]")]
    [InlineData("""{"selector":{"$nor":5}}""", "selector.$nor")]
    [InlineData("""{"selector":{"$not":[]}}""", "selector.$not")]
    [InlineData("""{"selector":{"a":{"$in":5}}}""", "selector.a.$in")]
    [InlineData("""{"selector":{"a":{"$nin":{}}}}""", "selector.a.$nin")]
    [InlineData("""{"selector":{"a":{"$exists":1}}}""", "selector.a.$exists")]
    [InlineData("""{"selector":{"a":{"$type":"int"}}}""", "selector.a.$type")]
    [InlineData("""{"selector":{"a":{"$type":1}}}""", "selector.a.$type")]
    [InlineData("""{"selector":{"a":{"$size":-1}}}""", "selector.a.$size")]
    [InlineData("""{"selector":{"a":{"$size":1.5}}}""", "selector.a.$size")]
    [InlineData("""{"selector":{"a":{"$mod":[0,1]}}}""", "selector.a.$mod[0]")]
    [InlineData("""{"selector":{"a":{"$mod":[2]}}}""", "selector.a.$mod")]
    [InlineData("""{"selector":{"a":{"$mod":[2,0.5]}}}""", "selector.a.$mod[1]")]
    [InlineData("""{"selector":{"a":{"$regex":"(a"}}}""", "selector.a.$regex")]
    [InlineData("""{"selector":{"a":{"$regex":5}}}""", "selector.a.$regex")]
    [InlineData("""{"selector":{"a":{"$elemMatch":5}}}""", "selector.a.$elemMatch")]
    [InlineData("""{"selector":{"a":{"$allMatch":{"$bad":1}}}}""", "selector.a.$allMatch.$bad")]
    [InlineData("""{"selector":{"a":{"b":{"$lt":{"$x":1},"$where":1}}}}""", "selector.a.b.$where")]
    [InlineData("""{"selector":{"":1}}""", "selector.")]
    [InlineData("""{"selector":{"a\\":1}}""", "selector.a\\")]
    public void A_bad_query_names_its_part(string json, string part)
    {
        var e = Assert.Throws<BadQueryException>(() => Parse(json));
        Assert.Equal(part, e.Part);
        Assert.StartsWith(part + ": ", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<ArgumentException>(e);
    }
}
