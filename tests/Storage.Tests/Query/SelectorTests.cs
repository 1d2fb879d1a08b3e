using System.Text.Json.Nodes;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Tests.Query;

/// <summary>Every operator of DESIGN §7 on documents that have, lack or mistype the field (CouchDB semantics).</summary>
public sealed class SelectorTests
{
    private static bool M(string selector, string doc) =>
        Selector.Parse(JsonNode.Parse(selector)!.AsObject()).Matches(JsonNode.Parse(doc)!.AsObject());

    [Theory]
    [InlineData("""{"a":1}""", """{"a":1}""", true)]
    [InlineData("""{"a":1}""", """{"a":1.0}""", true)]
    [InlineData("""{"a":1}""", """{"a":[1]}""", false)]
    [InlineData("""{"a":null}""", """{}""", false)]
    [InlineData("""{"a":null}""", """{"a":null}""", true)]
    [InlineData("""{"a":{"$eq":{"x":1}}}""", """{"a":{"x":1}}""", true)]
    [InlineData("""{"a":{"b":1}}""", """{"a":{"b":1,"c":2}}""", true)]
    [InlineData("""{"a":{}}""", """{"a":{}}""", true)]
    [InlineData("""{"a":{}}""", """{"a":{"b":1}}""", false)]
    [InlineData("""{"a.b":1}""", """{"a":{"b":1}}""", true)]
    [InlineData("""{"a\\.b":1}""", """{"a.b":1}""", true)]
    [InlineData("""{"a\\.b":1}""", """{"a":{"b":1}}""", false)]
    public void Equality(string selector, string doc, bool expected) => Assert.Equal(expected, M(selector, doc));

    [Theory]
    [InlineData("""{"a":{"$ne":1}}""", """{"a":2}""", true)]
    [InlineData("""{"a":{"$ne":1}}""", """{"a":1}""", false)]
    [InlineData("""{"a":{"$ne":1}}""", """{}""", false)]
    [InlineData("""{"a":{"$nin":[1,2]}}""", """{}""", false)]
    [InlineData("""{"a":{"$nin":[1,2]}}""", """{"a":3}""", true)]
    [InlineData("""{"a":{"$nin":[1,2]}}""", """{"a":[3,2]}""", false)]
    [InlineData("""{"a":{"$not":{"$eq":1}}}""", """{}""", false)]
    [InlineData("""{"a":{"$not":{"$eq":1}}}""", """{"a":2}""", true)]
    [InlineData("""{"$not":{"a":{"$exists":true}}}""", """{}""", true)]
    [InlineData("""{"$nor":[{"a":1},{"b":2}]}""", """{"a":3,"b":3}""", true)]
    [InlineData("""{"$nor":[{"a":1},{"b":2}]}""", """{"a":3}""", false)]
    [InlineData("""{"$nor":[{"a":1},{"b":2}]}""", """{"a":1,"b":3}""", false)]
    [InlineData("""{"a":{"$not":{"$regex":"^x"}}}""", """{"a":"y"}""", true)]
    [InlineData("""{"a":{"$not":{"$regex":"^x"}}}""", """{}""", false)]
    [InlineData("""{"$not":{"$or":[{"a":1},{"a":2}]}}""", """{"a":3}""", true)]
    public void Negations_never_match_a_missing_field(string selector, string doc, bool expected) => Assert.Equal(expected, M(selector, doc));

    [Theory]
    [InlineData("""{"a":{"$gt":5}}""", """{"a":6}""", true)]
    [InlineData("""{"a":{"$gt":5}}""", """{"a":5}""", false)]
    [InlineData("""{"a":{"$gte":5}}""", """{"a":5}""", true)]
    [InlineData("""{"a":{"$gt":5}}""", """{"a":"x"}""", true)]
    [InlineData("""{"a":{"$lt":5}}""", """{"a":null}""", true)]
    [InlineData("""{"a":{"$lt":5}}""", """{}""", false)]
    [InlineData("""{"a":{"$lte":"b"}}""", """{"a":"b"}""", true)]
    [InlineData("""{"a":{"$lt":"b"}}""", """{"a":"B"}""", true)]
    [InlineData("""{"a":{"$gt":"z"}}""", """{"a":"é"}""", true)]
    [InlineData("""{"a":{"$gt":[1]}}""", """{"a":[1,0]}""", true)]
    [InlineData("""{"a":{"$gt":[1]}}""", """{"a":{}}""", true)]
    [InlineData("""{"a":{"$gt":1,"$lt":3}}""", """{"a":2}""", true)]
    [InlineData("""{"a":{"$gt":1,"$lt":3}}""", """{"a":3}""", false)]
    public void Ranges_use_the_collation_across_types(string selector, string doc, bool expected) => Assert.Equal(expected, M(selector, doc));

    [Theory]
    [InlineData("""{"a":{"$in":[1,"x"]}}""", """{"a":"x"}""", true)]
    [InlineData("""{"a":{"$in":[1,"x"]}}""", """{"a":2}""", false)]
    [InlineData("""{"a":{"$in":[1]}}""", """{"a":[3,1]}""", true)]
    [InlineData("""{"a":{"$in":[]}}""", """{"a":1}""", false)]
    [InlineData("""{"a":{"$exists":true}}""", """{"a":null}""", true)]
    [InlineData("""{"a":{"$exists":false}}""", """{"a":null}""", false)]
    [InlineData("""{"a":{"$exists":false}}""", """{}""", true)]
    [InlineData("""{"a":{"$type":"null"}}""", """{"a":null}""", true)]
    [InlineData("""{"a":{"$type":"boolean"}}""", """{"a":false}""", true)]
    [InlineData("""{"a":{"$type":"number"}}""", """{"a":1.5}""", true)]
    [InlineData("""{"a":{"$type":"string"}}""", """{"a":"1"}""", true)]
    [InlineData("""{"a":{"$type":"array"}}""", """{"a":[]}""", true)]
    [InlineData("""{"a":{"$type":"object"}}""", """{"a":{}}""", true)]
    [InlineData("""{"a":{"$type":"object"}}""", """{"a":[]}""", false)]
    [InlineData("""{"a":{"$type":"null"}}""", """{}""", false)]
    [InlineData("""{"a":{"$size":2}}""", """{"a":[1,[2]]}""", true)]
    [InlineData("""{"a":{"$size":0}}""", """{"a":"ab"}""", false)]
    [InlineData("""{"a":{"$mod":[3,1]}}""", """{"a":7}""", true)]
    [InlineData("""{"a":{"$mod":[3,1]}}""", """{"a":7.0}""", true)]
    [InlineData("""{"a":{"$mod":[3,-1]}}""", """{"a":-7}""", true)]
    [InlineData("""{"a":{"$mod":[3,1]}}""", """{"a":7.5}""", false)]
    [InlineData("""{"a":{"$mod":[3,1]}}""", """{"a":"7"}""", false)]
    [InlineData("""{"a":{"$regex":"^ab"}}""", """{"a":"abc"}""", true)]
    [InlineData("""{"a":{"$regex":"b"}}""", """{"a":"abc"}""", true)]
    [InlineData("""{"a":{"$regex":"^B"}}""", """{"a":"abc"}""", false)]
    [InlineData("""{"a":{"$regex":"a"}}""", """{"a":["a"]}""", false)]
    [InlineData("""{"a":{"$regex":"(a)\\1"}}""", """{"a":"xaa"}""", true)]
    [InlineData("""{"a":{"$elemMatch":{"$gt":3}}}""", """{"a":[1,5]}""", true)]
    [InlineData("""{"a":{"$elemMatch":{"$gt":3}}}""", """{"a":[1,2]}""", false)]
    [InlineData("""{"a":{"$elemMatch":{"x":1,"y":2}}}""", """{"a":[{"x":1},{"x":1,"y":2}]}""", true)]
    [InlineData("""{"a":{"$elemMatch":{"x":1,"y":2}}}""", """{"a":[{"x":1},{"y":2}]}""", false)]
    [InlineData("""{"a":{"$elemMatch":{}}}""", """{"a":[]}""", false)]
    [InlineData("""{"a":{"$allMatch":{"$gt":0}}}""", """{"a":[1,2]}""", true)]
    [InlineData("""{"a":{"$allMatch":{"$gt":0}}}""", """{"a":[1,0]}""", false)]
    [InlineData("""{"a":{"$allMatch":{"$gt":0}}}""", """{"a":[]}""", false)]
    [InlineData("""{"a":{"$allMatch":{"$gt":0}}}""", """{"a":1}""", false)]
    [InlineData("""{"$and":[{"a":1},{"b":2}]}""", """{"a":1,"b":2}""", true)]
    [InlineData("""{"$and":[]}""", """{}""", true)]
    [InlineData("""{"$or":[{"a":1},{"b":2}]}""", """{"b":2}""", true)]
    [InlineData("""{"$or":[]}""", """{"a":1}""", false)]
    [InlineData("""{"a":1,"b":{"$gt":1}}""", """{"a":1,"b":2}""", true)]
    [InlineData("""{"a":1,"b":{"$gt":1}}""", """{"a":1,"b":1}""", false)]
    [InlineData("""{"a":{"$or":[{"b":1},{"c":1}]}}""", """{"a":{"c":1}}""", true)]
    [InlineData("""{}""", """{"x":1}""", true)]
    public void Operators(string selector, string doc, bool expected) => Assert.Equal(expected, M(selector, doc));

    [Theory]
    [InlineData("""{"nums.0":3}""", """{"nums":[3,4,5]}""", true)]
    [InlineData("""{"nums.2":5}""", """{"nums":[3,4,5]}""", true)]
    [InlineData("""{"nums.0":4}""", """{"nums":[3,4,5]}""", false)]
    [InlineData("""{"nums.01":4}""", """{"nums":[3,4,5]}""", true)]
    [InlineData("""{"nums.0":{"$gt":2}}""", """{"nums":[3,4,5]}""", true)]
    [InlineData("""{"nums":{"0":3}}""", """{"nums":[3,4,5]}""", true)]
    [InlineData("""{"nums.3":{"$exists":false}}""", """{"nums":[3,4,5]}""", true)]
    [InlineData("""{"nums.3":{"$ne":1}}""", """{"nums":[3,4,5]}""", false)]
    [InlineData("""{"nums.-1":5}""", """{"nums":[3,4,5]}""", false)]
    [InlineData("""{"nums.x":3}""", """{"nums":[3,4,5]}""", false)]
    [InlineData("""{"items.1.q":4}""", """{"items":[{"q":1},{"q":4}]}""", true)]
    [InlineData("""{"items.0.q":4}""", """{"items":[{"q":1},{"q":4}]}""", false)]
    [InlineData("""{"m.0.0":1}""", """{"m":[[1,2],[3]]}""", true)]
    [InlineData("""{"m.0":1}""", """{"m":{"0":1}}""", true)]
    [InlineData("""{"s.0":"a"}""", """{"s":"abc"}""", false)]
    [InlineData("""{"rows":{"$elemMatch":{"1":"y"}}}""", """{"rows":[["x","z"],["x","y"]]}""", true)]
    public void Digit_segments_index_into_arrays(string selector, string doc, bool expected) => Assert.Equal(expected, M(selector, doc));

    [Fact]
    public void Matching_allocates_nothing_per_document()
    {
        var selector = Selector.Parse(JsonNode.Parse("""
            {"type":"order","total":{"$gte":10,"$lt":90},"n.x":{"$in":[1,2,3]},"tags":{"$elemMatch":{"$ne":"z"}},"$or":[{"a":{"$exists":false}},{"a":{"$type":"number"}}]}
            """)!.AsObject());
        var docs = Enumerable.Range(0, 2000).Select(i => JsonNode.Parse($$$"""
            {"id":"d{{{i}}}","type":"{{{(i % 2 == 0 ? "order" : "invoice")}}}","total":{{{i % 100}}},"n":{"x":{{{i % 5}}}},"tags":["a","b"]}
            """)!.AsObject()).ToList();
        int warm = docs.Count(selector.Matches);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int matched = 0;
        foreach (var doc in docs)
            if (selector.Matches(doc)) matched++;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(warm, matched);
        Assert.True(matched > 0);
        Assert.True(allocated < 1024, $"{allocated} bytes for {docs.Count} documents");
    }

    [Fact]
    public void Catastrophic_regex_returns_fast()
    {
        var selector = Selector.Parse(new JsonObject { ["a"] = new JsonObject { ["$regex"] = "(a+)+$" } });
        var doc = new JsonObject { ["a"] = new string('a', 50_000) + "!" };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(selector.Matches(doc));
        Assert.True(watch.ElapsedMilliseconds < 2_000, $"{watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void A_backtracking_regex_that_times_out_is_a_bad_query()
    {
        // A backreference forces the backtracking engine; nested quantifiers make it exponential.
        var selector = Selector.Parse(new JsonObject { ["a"] = new JsonObject { ["$regex"] = @"^(\w+\s?)*(x)\2$" } });
        var doc = new JsonObject { ["a"] = string.Concat(Enumerable.Repeat("aaaa ", 2000)) + "!" };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<BadQueryException>(() => selector.Matches(doc));
        Assert.Equal("selector.a.$regex", e.Part);
        Assert.True(watch.ElapsedMilliseconds < 5_000, $"{watch.ElapsedMilliseconds} ms");
    }
}
