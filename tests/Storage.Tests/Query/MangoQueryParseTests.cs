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
    [InlineData("""{"selector":{"$gt":2}}""", "selector.$gt")]
    [InlineData("""{"selector":{"$eq":1}}""", "selector.$eq")]
    [InlineData("""{"selector":{"$regex":"x"}}""", "selector.$regex")]
    [InlineData("""{"selector":{"$in":[1]}}""", "selector.$in")]
    [InlineData("""{"selector":{"$exists":false}}""", "selector.$exists")]
    [InlineData("""{"selector":{"$size":1}}""", "selector.$size")]
    [InlineData("""{"selector":{"$elemMatch":{"a":1}}}""", "selector.$elemMatch")]
    [InlineData("""{"selector":{"kind":"bulk","$gt":200}}""", "selector.$gt")]
    [InlineData("""{"selector":{"$and":[{"a":1},{"$ne":2}]}}""", "selector.$and[1].$ne")]
    [InlineData("""{"selector":{"$or":[{"$nor":[{"$lt":1}]}]}}""", "selector.$or[0].$nor[0].$lt")]
    [InlineData("""{"selector":{"$not":{"$type":"string"}}}""", "selector.$not.$type")]
    [InlineData("""{"selector":{"":1}}""", "selector.")]
    [InlineData("""{"selector":{"a\\":1}}""", "selector.a\\")]
    public void A_bad_query_names_its_part(string json, string part)
    {
        var e = Assert.Throws<BadQueryException>(() => Parse(json));
        Assert.Equal(part, e.Part);
        Assert.StartsWith(part + ": ", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<ArgumentException>(e);
    }

    [Fact]
    public void Operators_without_a_field_are_refused_only_at_the_top()
    {
        var e = Assert.Throws<BadQueryException>(() => Parse("""{"selector":{"$gt":2}}"""));
        Assert.Contains("needs a field name", e.Message, StringComparison.Ordinal);
        // Inside $elemMatch/$allMatch a field operator tests the element itself, also through $and/$or/$not.
        Assert.True(Parse("""{"selector":{"a":{"$elemMatch":{"$or":[{"$eq":1},{"$not":{"$lt":5}}]}}}}""").Selector.Matches(JsonNode.Parse("""{"a":[0,7]}""")!.AsObject()));
        Assert.True(Parse("""{"selector":{"a":{"$allMatch":{"$and":[{"$gt":0},{"$size":1}]}}}}""").Selector.Matches(JsonNode.Parse("""{"a":[[1],[2]]}""")!.AsObject()));
        // Beside fields, operators in a field's object apply to that field.
        Assert.True(Parse("""{"selector":{"a":{"b":1,"$exists":true}}}""").Selector.Matches(JsonNode.Parse("""{"a":{"b":1}}""")!.AsObject()));
    }

    [Fact]
    public void Skip_past_the_maximum_names_the_maximum()
    {
        Assert.Equal(int.MaxValue, Parse("""{"selector":{},"skip":2147483647}""").Skip);
        var e = Assert.Throws<BadQueryException>(() => Parse("""{"selector":{},"skip":2147483648}"""));
        Assert.Equal("skip: expected an integer from 0 to 2147483647, got 2147483648", e.Message);
    }
}
