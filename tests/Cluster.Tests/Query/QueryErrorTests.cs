using System.Net;
using MyNoSql.Cluster.Tests.Http;
using static MyNoSql.Cluster.Tests.Http.Api;
using static MyNoSql.Cluster.Tests.Query.QueryApi;

namespace MyNoSql.Cluster.Tests.Query;

/// <summary>Every 4xx of the query routes, each with the contract's JSON error body (DESIGN §4, §7).</summary>
[Collection(QueryClusterCollection.Name)]
public sealed class QueryErrorTests(QueryClusterFixture fixture)
{
    private const string Db = "q-errors";

    [Theory]
    [InlineData("{\"selector\":")]                                   // malformed JSON
    [InlineData("[1,2]")]                                             // not an object
    [InlineData("{\"selector\":[1]}")]                                // selector not an object
    [InlineData("{\"selector\":\"x\"}")]
    [InlineData("{\"selector\":{\"a\":{\"$nosuch\":1}}}")]            // unknown operator
    [InlineData("{\"selector\":{\"a\":{\"$in\":5}}}")]                // operator argument of the wrong kind
    [InlineData("{\"selector\":{\"$gt\":2}}")]                         // an operator without a field name
    [InlineData("{\"selector\":{\"kind\":\"bulk\",\"$gt\":200}}")]
    [InlineData("{\"selector\":{\"$or\":[{\"a\":1},{\"$exists\":false}]}}")]
    [InlineData("{\"selector\":{},\"sort\":5}")]                      // bad sort
    [InlineData("{\"selector\":{},\"sort\":[{\"a\":\"sideways\"}]}")]
    [InlineData("{\"selector\":{},\"limit\":10001}")]                 // limit out of range (0 is allowed, as in CouchDB)
    [InlineData("{\"selector\":{},\"limit\":-1}")]
    [InlineData("{\"selector\":{},\"limit\":\"ten\"}")]
    [InlineData("{\"selector\":{},\"skip\":-1}")]
    [InlineData("{\"selector\":{},\"fields\":\"a\"}")]
    [InlineData("{\"selector\":{},\"bookmark\":\"!!not-a-bookmark!!\"}")]
    public async Task A_bad_query_is_a_400_bad_query_on_find_and_explain(string body)
    {
        Assert.Equal("bad_query", AssertError(HttpStatusCode.BadRequest, await FindAsync(fixture.Http, fixture.Url(0), Db, body)));
        if (!body.Contains("bookmark", StringComparison.Ordinal)) // a bookmark only matters when running
            Assert.Equal("bad_query", AssertError(HttpStatusCode.BadRequest,
                await SendAsync(fixture.Http, HttpMethod.Post, $"{fixture.Url(1)}/db/{Db}/_explain", Json(body))));
    }

    [Fact]
    public async Task An_operator_without_a_field_name_is_refused_by_find_and_both_changes_feeds_naming_it()
    {
        var http = fixture.Http;
        var (_, found) = await FindAsync(http, fixture.Url(0), Db, """{"selector":{"kind":"bulk","$gt":200}}""");
        Assert.StartsWith("selector.$gt: ", (string)found!["reason"]!, StringComparison.Ordinal);
        var (_, explained) = await SendAsync(http, HttpMethod.Post, $"{fixture.Url(0)}/db/{Db}/_explain", Json("""{"selector":{"$and":[{"a":1},{"$regex":"x"}]}}"""));
        Assert.StartsWith("selector.$and[1].$regex: ", (string)explained!["reason"]!, StringComparison.Ordinal);
        var changes = await SendAsync(http, HttpMethod.Post, $"{fixture.Url(1)}/db/{Db}/_changes", Json("""{"selector":{"$eq":1}}"""));
        Assert.Equal("bad_query", AssertError(HttpStatusCode.BadRequest, changes));
        Assert.Contains("selector.$eq", (string)changes.Body!["reason"]!, StringComparison.Ordinal);
        var couch = await SendAsync(http, HttpMethod.Post, $"{fixture.Url(2)}/couch/{Db}/_changes?filter=_selector", Json("""{"selector":{"$size":1}}"""));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, couch));
        Assert.Contains("selector.$size", (string)couch.Body!["reason"]!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"fields\":[\"a\"]}")]                              // no name
    [InlineData("{\"name\":\"\",\"fields\":[\"a\"]}")]                // bad names
    [InlineData("{\"name\":\"has space\",\"fields\":[\"a\"]}")]
    [InlineData("{\"name\":\"../escape\",\"fields\":[\"a\"]}")]
    [InlineData("{\"name\":5,\"fields\":[\"a\"]}")]
    [InlineData("{\"name\":\"ok\"}")]                                 // no fields
    [InlineData("{\"name\":\"ok\",\"fields\":[]}")]
    [InlineData("{\"name\":\"ok\",\"fields\":\"a\"}")]
    [InlineData("{\"name\":\"ok\",\"fields\":[\"a..b\"]}")]
    [InlineData("{\"name\":\"ok\",\"fields\":[\"a\",\"a\"]}")]
    [InlineData("{\"name\":\"ok\",\"fields\":[7]}")]
    [InlineData("{\"name\":\"ok\",\"index\":7}")]
    [InlineData("{\"name\":\"ok\",\"fields\":[{\"a\":\"up\"}]}")]
    [InlineData("[\"a\"]")]
    [InlineData("{\"name\":")]
    public async Task A_bad_index_definition_is_a_400_bad_index(string body)
    {
        Assert.Equal("bad_index", AssertError(HttpStatusCode.BadRequest, await CreateIndexAsync(fixture.Http, fixture.Url(2), Db, body)));
        var (_, list) = await SendAsync(fixture.Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{Db}/_index");
        Assert.Empty(list!["indexes"]!.AsArray());
    }

    [Fact]
    public async Task Deleting_an_unknown_index_is_a_404()
    {
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound,
            await SendAsync(fixture.Http, HttpMethod.Delete, $"{fixture.Url(1)}/db/{Db}/_index/never-made")));
    }

    [Fact]
    public async Task Wrong_content_type_method_database_and_size_have_their_4xx()
    {
        var http = fixture.Http;
        string url = fixture.Url(0);
        Assert.Equal("unsupported_media_type", AssertError(HttpStatusCode.UnsupportedMediaType,
            await SendAsync(http, HttpMethod.Post, $"{url}/db/{Db}/_find", Raw("selector=all"u8.ToArray(), "text/plain"))));
        Assert.Equal("unsupported_media_type", AssertError(HttpStatusCode.UnsupportedMediaType,
            await SendAsync(http, HttpMethod.Post, $"{url}/db/{Db}/_index", Raw("[\"a\"]"u8.ToArray(), null))));
        Assert.Equal("method_not_allowed", AssertError(HttpStatusCode.MethodNotAllowed, await SendAsync(http, HttpMethod.Get, $"{url}/db/{Db}/_find")));
        Assert.Equal("method_not_allowed", AssertError(HttpStatusCode.MethodNotAllowed, await SendAsync(http, HttpMethod.Put, $"{url}/db/{Db}/_index")));
        Assert.Equal("invalid_db", AssertError(HttpStatusCode.BadRequest, await FindAsync(http, url, "Bad_DB", "{\"selector\":{}}")));
        Assert.Equal("invalid_db", AssertError(HttpStatusCode.BadRequest, await CreateIndexAsync(http, url, "9db", "{\"name\":\"a\",\"fields\":[\"a\"]}")));

        var big = new byte[(16 << 20) + 16];
        big.AsSpan().Fill((byte)' ');
        big[0] = (byte)'{';
        big[^1] = (byte)'}';
        Assert.Equal("too_large", AssertError(HttpStatusCode.RequestEntityTooLarge,
            await SendAsync(http, HttpMethod.Post, $"{url}/db/{Db}/_find", Raw(big, "application/json"))));
    }
}
