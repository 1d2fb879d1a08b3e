using System.Net;
using System.Text.Json.Nodes;
using MyNoSql.Cluster.Tests.Http;

namespace MyNoSql.Cluster.Tests.Query;

/// <summary>HTTP helpers of the query tests.</summary>
internal static class QueryApi
{
    public static async Task<JsonObject> PutAsync(HttpClient http, string url, string db, string id, string json)
    {
        var (status, body) = await Api.SendAsync(http, HttpMethod.Put, $"{url}/db/{db}/doc/{Uri.EscapeDataString(id)}", Api.Json(json));
        Assert.True(status == HttpStatusCode.Created, $"PUT {id}: {(int)status} {body?.ToJsonString()}");
        return body!.AsObject();
    }

    public static Task<(HttpStatusCode Status, JsonNode? Body)> FindAsync(HttpClient http, string url, string db, string query) =>
        Api.SendAsync(http, HttpMethod.Post, $"{url}/db/{db}/_find", Api.Json(query));

    /// <summary>A _find that must succeed.</summary>
    public static async Task<JsonObject> FindOkAsync(HttpClient http, string url, string db, string query)
    {
        var (status, body) = await FindAsync(http, url, db, query);
        Assert.True(status == HttpStatusCode.OK, $"_find {query} on {url}: {(int)status} {body?.ToJsonString()}");
        return body!.AsObject();
    }

    public static Task<(HttpStatusCode Status, JsonNode? Body)> CreateIndexAsync(HttpClient http, string url, string db, string json) =>
        Api.SendAsync(http, HttpMethod.Post, $"{url}/db/{db}/_index", Api.Json(json));

    public static IReadOnlyList<string> Ids(JsonObject found) => [.. found["docs"]!.AsArray().Select(d => (string)d!["id"]!)];

    /// <summary>Polls <paramref name="condition"/> until true or the timeout (then fails with <paramref name="what"/> and the last state).</summary>
    public static async Task WaitUntilAsync(Func<Task<(bool Done, string State)>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        string state = "";
        var delay = TimeSpan.FromMilliseconds(50);
        while (DateTime.UtcNow < deadline)
        {
            bool done;
            (done, state) = await condition();
            if (done) return;
            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
        Assert.Fail($"{what} not within {timeout}; last: {state}");
    }
}
