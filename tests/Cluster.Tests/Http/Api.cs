using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.Cluster.Tests.Http;

/// <summary>Small HTTP helpers for the gateway tests.</summary>
internal static class Api
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpClient http, HttpMethod method, string url, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        using var response = await http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        if (text.Length > 0)
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>Asserts a 4xx with the contract's error body and returns the error code.</summary>
    public static string AssertError(HttpStatusCode expected, (HttpStatusCode Status, JsonNode? Body) result)
    {
        Assert.Equal(expected, result.Status);
        var body = Assert.IsType<JsonObject>(result.Body);
        Assert.False(string.IsNullOrWhiteSpace((string?)body["reason"]));
        return (string)body["error"]!;
    }

    public static async Task<JsonObject> LocalCopyAsync(HttpClient http, string baseUrl, string db) =>
        JsonNode.Parse(await http.GetStringAsync($"{baseUrl}/_mirror/local/{db}"))!.AsObject();

    public static ByteArrayContent Raw(byte[] bytes, string? contentType)
    {
        var content = new ByteArrayContent(bytes);
        if (contentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    public static string Str(JsonNode? node, string name) => (string)node![name]!;

    public static JsonSerializerOptions Options { get; } = new();
}
