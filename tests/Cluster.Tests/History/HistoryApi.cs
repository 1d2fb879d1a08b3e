using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Grains;
using MyNoSql.Grains.Records;
using MyNoSql.Storage.Documents;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.History;

/// <summary>Helpers of the DESIGN §8 route tests: patches, pushes of hand-made leaves, convergence of the mirrors.</summary>
internal static class HistoryApi
{
    public static ByteArrayContent Typed(string text, string mediaType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(mediaType);
        return content;
    }

    public static Task<(HttpStatusCode Status, JsonNode? Body)> PatchAsync(HttpClient http, string url, string patch, string mediaType) =>
        SendAsync(http, HttpMethod.Patch, url, Typed(patch, mediaType));

    /// <summary>Saves <paramref name="bodies"/> in turn as revisions of one record; returns the saved records.</summary>
    public static async Task<List<JsonObject>> SaveChainAsync(HttpClient http, string baseUrl, string db, string id, params string[] bodies)
    {
        var saved = new List<JsonObject>();
        string? rev = null;
        foreach (var body in bodies)
        {
            var record = JsonNode.Parse(body)!.AsObject();
            if (rev is not null) record["rev"] = rev;
            var (status, reply) = await SendAsync(http, HttpMethod.Put, $"{baseUrl}/db/{db}/doc/{Uri.EscapeDataString(id)}", Json(record.ToJsonString()));
            Assert.Equal(HttpStatusCode.Created, status);
            rev = Str(reply, "rev");
            saved.Add(reply!.AsObject());
        }
        return saved;
    }

    /// <summary>A leaf with <paramref name="json"/> as content, child of <paramref name="parent"/> (null: a creation).</summary>
    public static RevisionLeaf Leaf(RevisionLeaf? parent, string json, long stamp = 0) =>
        RevisionLeaf.Child(parent, deleted: false, Encoding.UTF8.GetBytes(json), stamp: stamp);

    /// <summary>Pushes leaves of one record through <c>POST /db/{db}/sync/push</c> of a mirror; returns each leaf's status.</summary>
    public static async Task<string[]> PushAsync(HttpClient http, string baseUrl, string db, string id, params RevisionLeaf[] leaves)
    {
        var statuses = new List<string>();
        foreach (var leaf in leaves)
        {
            var content = new ByteArrayContent(SyncBatch.Encode([new SyncRecord(id, [LeafWire.ToWire(leaf)])]));
            content.Headers.ContentType = new MediaTypeHeaderValue(SyncBatch.MediaType);
            var (status, body) = await SendAsync(http, HttpMethod.Post, $"{baseUrl}/db/{db}/sync/push", content);
            Assert.Equal(HttpStatusCode.OK, status);
            statuses.Add(Str(body!["results"]![0], "status"));
        }
        return [.. statuses];
    }

    /// <summary>Waits until every mirror's own copy of <paramref name="db"/> holds <paramref name="records"/> records with
    /// the same digest (same leaves everywhere).</summary>
    public static async Task WaitConvergedAsync(HttpClient http, IEnumerable<string> urls, string db, int records)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            var copies = await Task.WhenAll(urls.Select(u => LocalCopyAsync(http, u, db)));
            last = string.Join("; ", copies.Select(c => c.ToJsonString()));
            if (copies.All(c => (int)c["records"]! == records) && copies.Select(c => (string)c["digest"]!).Distinct().Count() == 1) return;
            await Task.Delay(100);
        }
        Assert.Fail($"The mirrors' copies of '{db}' did not converge: {last}");
    }

    /// <summary>The record minus its rev (content and id), for comparisons.</summary>
    public static string Content(JsonNode? record)
    {
        var copy = record!.DeepClone().AsObject();
        copy.Remove("rev");
        copy.Remove("id");
        return copy.ToJsonString();
    }
}
