using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.Sync;

// Attachment bodies over HTTP (issue 15; src/Storage/Sync/README.md "Attachment bodies"): the sync/att routes.
internal sealed partial class HttpSyncTransport
{
    private static readonly MediaTypeHeaderValue OctetType = new("application/octet-stream");

    /// <summary>The chunks the mirror lacks (<c>POST /db/{db}/sync/att/missing</c> <c>{"chunks":[ids]}</c> → <c>{"missing":[ids]}</c>).</summary>
    public async Task<IReadOnlyList<string>> MissingAttachmentChunksAsync(string mirror, string db, IReadOnlyList<string> chunkIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(chunkIds.Count * 68 + 16);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("chunks");
            foreach (var id in chunkIds) w.WriteStringValue(id);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{mirror}/db/{db}/sync/att/missing")
        {
            Content = new ReadOnlyMemoryContent(buffer.WrittenMemory),
        };
        request.Content.Headers.ContentType = JsonType;
        var body = await SendAsync(request, mirror, ct).ConfigureAwait(false);
        return ChunkList(body, "missing", mirror, "missing-chunks answer");
    }

    /// <summary>Stores one chunk (<c>PUT /db/{db}/sync/att/chunk/{id}</c> → 204).</summary>
    public async Task PutAttachmentChunkAsync(string mirror, string db, string chunkId, ReadOnlyMemory<byte> raw, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{mirror}/db/{db}/sync/att/chunk/{Uri.EscapeDataString(chunkId)}")
        {
            Content = new ReadOnlyMemoryContent(raw),
        };
        request.Content.Headers.ContentType = OctetType;
        using var response = await SendRawAsync(request, mirror, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, mirror, ct).ConfigureAwait(false);
    }

    /// <summary>Stores a manifest (<c>PUT /db/{db}/sync/att/manifest[?id=record]</c> → 204, or 409 <c>missing_chunks</c> with
    /// <c>{"missing":[ids]}</c>).</summary>
    public async Task<IReadOnlyList<string>> PutAttachmentManifestAsync(string mirror, string db, JsonObject manifest, string? recordId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        string query = recordId is null ? "" : "?id=" + Uri.EscapeDataString(recordId);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{mirror}/db/{db}/sync/att/manifest{query}")
        {
            Content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString())),
        };
        request.Content.Headers.ContentType = JsonType;
        using var response = await SendRawAsync(request, mirror, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            byte[] body;
            try { body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false); }
            catch (Exception e) when (IsTransport(e, ct)) { throw new MirrorUnavailableException($"{mirror}: {e.Message}", e); }
            var missing = ChunkList(body, "missing", mirror, "manifest answer");
            if (missing.Count == 0) throw new MirrorUnavailableException($"{mirror}: the manifest was refused (409) without naming missing chunks");
            return missing;
        }
        await EnsureSuccessAsync(response, mirror, ct).ConfigureAwait(false);
        return [];
    }

    /// <summary>A body's manifest (<c>GET /db/{db}/sync/att/manifest/{digest}</c>); null on 404.</summary>
    public async Task<JsonObject?> GetAttachmentManifestAsync(string mirror, string db, string digest, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{mirror}/db/{db}/sync/att/manifest/{Uri.EscapeDataString(digest)}");
        using var response = await SendRawAsync(request, mirror, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, mirror, ct).ConfigureAwait(false);
        try
        {
            if (JsonNode.Parse(await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false)) is JsonObject answer) return answer;
            throw new MirrorUnavailableException($"{mirror}: the manifest of {digest} is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new MirrorUnavailableException($"{mirror}: the manifest of {digest} is not JSON: {e.Message}", e);
        }
        catch (Exception e) when (IsTransport(e, ct))
        {
            throw new MirrorUnavailableException($"{mirror}: {e.Message}", e);
        }
    }

    /// <summary>One chunk's raw bytes streamed into <paramref name="destination"/> (<c>GET /db/{db}/sync/att/chunk/{id}</c>);
    /// -1 on 404. An answer longer than <paramref name="destination"/> is malformed.</summary>
    public async Task<int> GetAttachmentChunkAsync(string mirror, string db, string chunkId, Memory<byte> destination, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{mirror}/db/{db}/sync/att/chunk/{Uri.EscapeDataString(chunkId)}");
        // Headers first, then the body straight into the caller's buffer (no second copy of the chunk); the request
        // timeout covers the body too.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_http.Timeout);
        try
        {
            using var response = await SendRawAsync(request, mirror, timeout.Token, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound) return -1;
            await EnsureSuccessAsync(response, mirror, ct).ConfigureAwait(false);
            var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using var _ = body.ConfigureAwait(false);
            int total = 0;
            while (true)
            {
                if (total == destination.Length)
                {
                    // Full: one more byte means the chunk is longer than the manifest allows.
                    byte[] probe = new byte[1];
                    if (await body.ReadAsync(probe, timeout.Token).ConfigureAwait(false) == 0) return total;
                    throw new MirrorUnavailableException($"{mirror}: chunk {chunkId} is longer than {destination.Length} bytes");
                }
                int n = await body.ReadAsync(destination[total..], timeout.Token).ConfigureAwait(false);
                if (n == 0) return total;
                total += n;
            }
        }
        catch (Exception e) when (IsTransport(e, ct))
        {
            throw new MirrorUnavailableException($"{mirror}: chunk {chunkId}: {(e is OperationCanceledException ? "timed out" : e.Message)}", e);
        }
    }

    private static List<string> ChunkList(byte[] body, string property, string mirror, string what)
    {
        using var doc = Parse(body, mirror);
        try
        {
            var ids = new List<string>();
            foreach (var e in doc.RootElement.GetProperty(property).EnumerateArray())
                ids.Add(e.GetString() ?? throw new FormatException("a chunk id is null"));
            return ids;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or KeyNotFoundException)
        {
            throw new MirrorUnavailableException($"{mirror}: malformed {what}: {e.Message}", e);
        }
    }
}
