using System.Net;
using System.Text;
using static MyNoSql.Cluster.Tests.History.HistoryApi;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.History;

/// <summary><c>PATCH /db/{db}/doc/{id}?rev=R</c> on real mirror processes: both media types and every error code.</summary>
[Collection(HistoryClusterCollection.Name)]
public sealed class PatchRouteTests(HistoryClusterFixture fixture)
{
    private const string Db = "patch";
    private const string MergePatch = "application/merge-patch+json";
    private const string JsonPatch = "application/json-patch+json";
    private HttpClient Http => fixture.Http;

    private static string NewId() => "p-" + Guid.NewGuid().ToString("N")[..12];

    private async Task<(string Id, string Rev)> CreateAsync(string body)
    {
        string id = NewId();
        var saved = await SaveChainAsync(Http, fixture.Url(0), Db, id, body);
        return (id, Str(saved[0], "rev"));
    }

    [Fact]
    public async Task A_merge_patch_and_a_json_patch_save_new_revisions()
    {
        var (id, rev) = await CreateAsync("""{"title":"a","meta":{"x":1,"y":2},"tags":["t"]}""");
        var (status, patched) = await PatchAsync(Http, $"{fixture.Url(1)}/db/{Db}/doc/{id}?rev={rev}", """{"title":"b","meta":{"y":null,"z":3}}""", MergePatch);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.StartsWith("2-", Str(patched, "rev"), StringComparison.Ordinal);
        Assert.Equal("""{"title":"b","meta":{"x":1,"z":3},"tags":["t"]}""", Content(patched));

        var (status2, patched2) = await PatchAsync(Http, $"{fixture.Url(2)}/db/{Db}/doc/{id}?rev={Str(patched, "rev")}",
            """[{"op":"test","path":"/title","value":"b"},{"op":"add","path":"/tags/-","value":"u"},{"op":"remove","path":"/meta/x"}]""",
            JsonPatch + "; charset=utf-8");
        Assert.Equal(HttpStatusCode.Created, status2);
        Assert.StartsWith("3-", Str(patched2, "rev"), StringComparison.Ordinal);
        Assert.Equal("""{"title":"b","meta":{"z":3},"tags":["t","u"]}""", Content(patched2));
        var (_, read) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{Db}/doc/{id}");
        Assert.Equal(patched2!.ToJsonString(), read!.ToJsonString());
        // A patch is an edit like a save: undo takes it back.
        var (undoStatus, undone) = await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/db/{Db}/doc/{id}/_undo");
        Assert.Equal(HttpStatusCode.Created, undoStatus);
        Assert.Equal(Content(patched), Content(undone));
    }

    [Fact]
    public async Task A_stale_missing_or_malformed_rev_is_a_conflict_and_writes_nothing()
    {
        var (id, rev) = await CreateAsync("""{"n":1}""");
        var (_, second) = await PatchAsync(Http, $"{fixture.Url(0)}/db/{Db}/doc/{id}?rev={rev}", """{"n":2}""", MergePatch);
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict, await PatchAsync(Http, $"{fixture.Url(1)}/db/{Db}/doc/{id}?rev={rev}", """{"n":3}""", MergePatch)));
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict, await PatchAsync(Http, $"{fixture.Url(1)}/db/{Db}/doc/{id}", """{"n":3}""", MergePatch)));
        Assert.Equal("conflict", AssertError(HttpStatusCode.Conflict, await PatchAsync(Http, $"{fixture.Url(1)}/db/{Db}/doc/{id}?rev=garbage", """{"n":3}""", MergePatch)));
        var (_, read) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{Db}/doc/{id}");
        Assert.Equal(second!.ToJsonString(), read!.ToJsonString());
    }

    [Fact]
    public async Task A_failing_test_operation_is_422_and_writes_nothing()
    {
        var (id, rev) = await CreateAsync("""{"stock":5}""");
        var error = await PatchAsync(Http, $"{fixture.Url(1)}/db/{Db}/doc/{id}?rev={rev}",
            """[{"op":"replace","path":"/stock","value":4},{"op":"test","path":"/stock","value":5}]""", JsonPatch);
        Assert.Equal("test_failed", AssertError((HttpStatusCode)422, error));
        var (_, read) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{Db}/doc/{id}");
        Assert.Equal(rev, Str(read, "rev"));
        Assert.Equal(5, (int)read!["stock"]!);
    }

    public static TheoryData<string, string, string> BadPatches => new()
    {
        { "not JSON", "{\"a\":", MergePatch },
        { "invalid UTF-8", "\"\uFFFD", MergePatch },
        { "JSON Patch that is an object", """{"op":"add","path":"/a","value":1}""", JsonPatch },
        { "merge patch that is an array", """[{"op":"add","path":"/a","value":1}]""", MergePatch },
        { "merge patch that is a string", "\"x\"", MergePatch },
        { "unknown operation", """[{"op":"explode","path":"/a"}]""", JsonPatch },
        { "operation without path", """[{"op":"add","value":1}]""", JsonPatch },
        { "remove of a missing member", """[{"op":"remove","path":"/nope"}]""", JsonPatch },
        { "array index out of range", """[{"op":"add","path":"/list/9","value":1}]""", JsonPatch },
        { "bad pointer", """[{"op":"replace","path":"list","value":1}]""", JsonPatch },
        { "replace of the whole record by a number", """[{"op":"replace","path":"","value":1}]""", JsonPatch },
        { "setting the id", """{"id":"other"}""", MergePatch },
        { "removing the rev", """[{"op":"remove","path":"/rev"}]""", JsonPatch },
        { "nested 300 deep", "{\"a\":" + new string('[', 300) + new string(']', 300) + "}", MergePatch },
    };

    [Theory]
    [MemberData(nameof(BadPatches))]
    public async Task A_bad_patch_is_400_bad_patch_and_writes_nothing(string name, string patch, string mediaType)
    {
        var (id, rev) = await CreateAsync("""{"list":[1,2]}""");
        var url = $"{fixture.Url(1)}/db/{Db}/doc/{id}?rev={rev}";
        var result = name == "invalid UTF-8"
            ? await SendAsync(Http, HttpMethod.Patch, url, Raw([.. "{\"a\":\""u8, 0xC3, 0x28, .. "\"}"u8], mediaType))
            : await PatchAsync(Http, url, patch, mediaType);
        Assert.Equal("bad_patch", AssertError(HttpStatusCode.BadRequest, result));
        var (_, read) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(2)}/db/{Db}/doc/{id}");
        Assert.Equal(rev, Str(read, "rev"));
    }

    [Fact]
    public async Task Missing_records_other_media_types_and_huge_patches_are_refused()
    {
        var (id, rev) = await CreateAsync("""{"n":1}""");
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound,
            await PatchAsync(Http, $"{fixture.Url(0)}/db/{Db}/doc/{NewId()}?rev={rev}", """{"n":2}""", MergePatch)));
        var (deleted, _) = await SendAsync(Http, HttpMethod.Delete, $"{fixture.Url(0)}/db/{Db}/doc/{id}?rev={rev}");
        Assert.Equal(HttpStatusCode.OK, deleted);
        Assert.Equal("not_found", AssertError(HttpStatusCode.NotFound,
            await PatchAsync(Http, $"{fixture.Url(0)}/db/{Db}/doc/{id}?rev={rev}", """{"n":2}""", MergePatch)));

        // DESIGN §11: a JSON body is taken whatever its Content-Type says; an object is a merge patch, an array a JSON Patch.
        var (id2, rev2) = await CreateAsync("""{"n":1}""");
        int n = 1;
        foreach (var type in new[] { "application/json", "text/plain", "application/merge-patch+jsonx", "application/x-www-form-urlencoded" })
        {
            var (status, patched) = await PatchAsync(Http, $"{fixture.Url(1)}/db/{Db}/doc/{id2}?rev={rev2}", $$"""{"n":{{++n}}}""", type);
            Assert.Equal(HttpStatusCode.Created, status);
            Assert.Equal(n, patched!["n"]!.GetValue<int>());
            rev2 = Str(patched, "rev");
        }
        var (arrayStatus, byArray) = await SendAsync(Http, HttpMethod.Patch, $"{fixture.Url(1)}/db/{Db}/doc/{id2}?rev={rev2}",
            Raw(Encoding.UTF8.GetBytes("""[{"op":"replace","path":"/n","value":9}]"""), null));
        Assert.Equal(HttpStatusCode.Created, arrayStatus);
        Assert.Equal(9, byArray!["n"]!.GetValue<int>());
        rev2 = Str(byArray, "rev");
        Assert.Equal("unsupported_media_type", AssertError(HttpStatusCode.UnsupportedMediaType,
            await SendAsync(Http, HttpMethod.Patch, $"{fixture.Url(1)}/db/{Db}/doc/{id2}?rev={rev2}", Raw(Encoding.UTF8.GetBytes("n=2"), "text/plain"))));

        // Larger than the maximum document size (16 MiB by default): 413 before the patch is parsed.
        string huge = "{\"big\":\"" + new string('x', 17 << 20) + "\"}";
        Assert.Equal("too_large", AssertError(HttpStatusCode.RequestEntityTooLarge,
            await PatchAsync(Http, $"{fixture.Url(2)}/db/{Db}/doc/{id2}?rev={rev2}", huge, MergePatch)));
        var (_, read) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/{Db}/doc/{id2}");
        Assert.Equal(rev2, Str(read, "rev"));

        // A patch that fits but makes the record larger than the maximum is a bad patch.
        var (id3, rev3) = await CreateAsync("{\"a\":\"" + new string('a', 9 << 20) + "\"}");
        string big = "{\"b\":\"" + new string('b', 8 << 20) + "\"}";
        Assert.Equal("bad_patch", AssertError(HttpStatusCode.BadRequest,
            await PatchAsync(Http, $"{fixture.Url(2)}/db/{Db}/doc/{id3}?rev={rev3}", big, MergePatch)));
    }
}
