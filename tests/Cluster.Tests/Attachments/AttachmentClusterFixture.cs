using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MyNoSql.Cluster.Tests.Support;

namespace MyNoSql.Cluster.Tests.Attachments;

/// <summary>
/// Three real mirror processes for the attachment tests, with a small attachment limit (so 413 is cheap to reach) and a
/// fast anti-entropy (so a mirror that was down gets its bodies within seconds). One test stops and restarts the third.
/// </summary>
public sealed class AttachmentClusterFixture() : ThreeMirrorFixture("--max-attachment-bytes", AttachmentClusterFixture.MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture))
{
    /// <summary>The mirrors' <c>--max-attachment-bytes</c>: 6 MiB.</summary>
    public const long MaxBytes = 6L << 20;
}

[CollectionDefinition(Name)]
public sealed class AttachmentClusterCollection : ICollectionFixture<AttachmentClusterFixture>
{
    public const string Name = "three mirror processes with attachments";
}

/// <summary>HTTP helpers for the attachment tests.</summary>
internal static class Att
{
    public static string NewDb() => "att" + Guid.NewGuid().ToString("N")[..10];

    public static byte[] RandomBody(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string DigestOf(byte[] body) => "sha256-" + Convert.ToBase64String(SHA256.HashData(body));

    public static ByteArrayContent Body(byte[] bytes, string? contentType = "application/octet-stream")
    {
        var content = new ByteArrayContent(bytes);
        if (contentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    /// <summary>PUT an attachment; the status and the JSON answer.</summary>
    public static async Task<(HttpStatusCode Status, JsonNode? Body)> PutAsync(HttpClient http, string url, HttpContent content)
    {
        using var response = await http.PutAsync(url, content);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>GET an attachment: status, bytes and the response (headers).</summary>
    public static async Task<(HttpStatusCode Status, byte[] Body, HttpResponseMessage Response)> GetAsync(HttpClient http, string url, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        configure?.Invoke(request);
        var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response);
    }

    /// <summary>This mirror's chunk store of <paramref name="db"/>: manifests, chunks, bytes.</summary>
    public static async Task<(int Manifests, int Chunks, long Bytes)> StatsAsync(HttpClient http, string baseUrl, string db)
    {
        var stats = JsonNode.Parse(await http.GetStringAsync($"{baseUrl}/_mirror/attachments/{db}"))!;
        return ((int)stats["manifests"]!, (int)stats["chunks"]!, (long)stats["bytes"]!);
    }

    public static async Task<T> PollAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } found) return found;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(200);
        }
    }
}
