using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Couch;

/// <summary>Helpers for the /couch tests: CouchDB-style revisions, requests and polling.</summary>
internal static class CouchApi
{
    public static string NewDb(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    /// <summary>A 32-hex hash as PouchDB makes them (random, not derived from the content).</summary>
    public static string Hash() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static async Task<JsonNode?> OkAsync(HttpClient http, HttpMethod method, string url, string? json = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var (status, body) = await SendAsync(http, method, url, json is null ? null : Json(json));
        Assert.True(expected == status, $"{method} {url}: expected {expected}, got {status}: {body?.ToJsonString()}");
        return body;
    }

    /// <summary><c>_bulk_docs</c> with <c>new_edits=false</c>; asserts it stored everything (CouchDB answers []).</summary>
    public static async Task PushAsync(HttpClient http, string baseUrl, string db, params JsonObject[] docs)
    {
        var body = new JsonObject { ["new_edits"] = false, ["docs"] = new JsonArray([.. docs]) };
        var answer = await OkAsync(http, HttpMethod.Post, $"{baseUrl}/couch/{db}/_bulk_docs", body.ToJsonString(), HttpStatusCode.Created);
        Assert.True(answer!.AsArray().Count == 0, $"_bulk_docs refused: {answer.ToJsonString()}");
    }

    /// <summary>A CouchDB document with <c>_revisions</c> for <c>rev</c> and the given ancestors' hashes.</summary>
    public static JsonObject Doc(string id, int generation, string hash, IEnumerable<string> ancestorHashes, JsonObject? fields = null)
    {
        var doc = new JsonObject { ["_id"] = id, ["_rev"] = $"{generation}-{hash}" };
        doc["_revisions"] = new JsonObject { ["start"] = generation, ["ids"] = new JsonArray([.. new[] { hash }.Concat(ancestorHashes).Select(h => (JsonNode)h)]) };
        if (fields is not null) foreach (var (k, v) in fields) doc[k] = v?.DeepClone();
        return doc;
    }

    /// <summary>Retries <paramref name="probe"/> until it returns a value, for at most 30 s (replication to the other mirrors).</summary>
    public static async Task<T> PollAsync<T>(Func<Task<T?>> probe, string what) where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is T value) return value;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"not within 30 s: {what}");
            await Task.Delay(100);
        }
    }

    public static IReadOnlyList<string> Strings(JsonNode? array) => [.. array!.AsArray().Select(n => (string)n!)];
}
