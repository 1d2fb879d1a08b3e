using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.Sync;

// Locks and fenced saves over HTTP (DESIGN §9; src/Grains/Locks/README.md).
internal sealed partial class HttpSyncTransport
{
    /// <summary><c>POST /db/{db}/_locks/{name}?ttl=S&amp;wait=S</c>: the grant, or the mirror's 404/409 error body.</summary>
    public Task<JsonObject> LockAsync(string mirror, string db, string name, TimeSpan ttl, TimeSpan wait, CancellationToken ct) =>
        SendLockAsync(new HttpRequestMessage(HttpMethod.Post, AsSent($"{LockUrl(mirror, db, name)}?ttl={Seconds(ttl)}&wait={Seconds(wait)}")), mirror, db, ct);

    /// <summary><c>PUT /db/{db}/_locks/{name}?token=T&amp;ttl=S</c>: the renewed grant, or the mirror's 404/409 error body.</summary>
    public Task<JsonObject> RenewLockAsync(string mirror, string db, string name, long token, TimeSpan ttl, CancellationToken ct) =>
        SendLockAsync(new HttpRequestMessage(HttpMethod.Put, AsSent($"{LockUrl(mirror, db, name)}?token={token.ToString(System.Globalization.CultureInfo.InvariantCulture)}&ttl={Seconds(ttl)}")),
            mirror, db, ct);

    /// <summary><c>DELETE /db/{db}/_locks/{name}?token=T</c>: <c>{"released":true,…}</c>, or the mirror's 404/409 error body.</summary>
    public Task<JsonObject> ReleaseLockAsync(string mirror, string db, string name, long token, CancellationToken ct) =>
        SendLockAsync(new HttpRequestMessage(HttpMethod.Delete, AsSent($"{LockUrl(mirror, db, name)}?token={token.ToString(System.Globalization.CultureInfo.InvariantCulture)}")),
            mirror, db, ct);

    /// <summary><c>PUT /db/{db}/doc/{id}?fence=NAME:TOKEN</c>: the saved record, or the mirror's 404/409 error body.</summary>
    public Task<JsonObject> SaveFencedAsync(string mirror, string db, string id, JsonObject record, string lockName, long token, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        string fence = Uri.EscapeDataString(lockName + ":" + token.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var request = new HttpRequestMessage(HttpMethod.Put, AsSent($"{mirror}/db/{db}/doc/{Segment(id)}?fence={fence}"))
        {
            Content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(record.ToJsonString())),
        };
        request.Content.Headers.ContentType = JsonType;
        return SendLockAsync(request, mirror, db, ct);
    }

    private static string LockUrl(string mirror, string db, string name) => $"{mirror}/db/{db}/_locks/{Segment(name)}";

    /// <summary>A name or id as one path segment. <c>.</c> and <c>..</c> go as <c>%2E</c>/<c>%2E%2E</c>, sent as written
    /// (<see cref="AsSent"/>): a URI's canonical form would remove them as dot segments (the gateway routes them as sent).</summary>
    private static string Segment(string value) => value is "." or ".." ? value.Replace(".", "%2E", StringComparison.Ordinal) : Uri.EscapeDataString(value);

    private static readonly UriCreationOptions AsSentOptions = new() { DangerousDisablePathAndQueryCanonicalization = true };

    private static Uri AsSent(string url) => new(url, in AsSentOptions);

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    // 2xx and the 404/409 answers about the lock come back as JSON objects; 400/413 is the request's fault; anything
    // else (5xx, a mirror without the route) makes the mirror unusable for this call.
    private async Task<JsonObject> SendLockAsync(HttpRequestMessage request, string mirror, string db, CancellationToken ct)
    {
        using (request)
        {
            using var response = await SendRawAsync(request, mirror, ct).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            if (status is 400 or 413)
            {
                string reason = $"the mirror refused the request (HTTP {status})";
                try
                {
                    if (JsonNode.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)) is JsonObject error && error["reason"] is JsonValue r
                        && r.TryGetValue<string>(out var text)) reason = text;
                }
                catch (Exception e) when (e is JsonException || IsTransport(e, ct))
                {
                }
                throw new ArgumentException($"Database '{db}': {reason}");
            }
            if (status == 403)
            {
                // A --read-only mirror refuses writes (DESIGN §9): the next mirror may take them; other 403s are the key's.
                string text = "";
                try { text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false); }
                catch (Exception e) when (IsTransport(e, ct)) { }
                if (text.Contains("\"read_only\"", StringComparison.Ordinal))
                    throw new MirrorUnavailableException($"{mirror}: a read-only mirror takes no locks and no fenced saves");
            }
            bool answer = response.IsSuccessStatusCode || status is 404 or 409;
            if (answer)
            {
                try
                {
                    if (JsonNode.Parse(await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false)) is JsonObject body
                        && (response.IsSuccessStatusCode || body["error"] is JsonValue)) return body;
                }
                catch (JsonException)
                {
                }
                catch (Exception e) when (IsTransport(e, ct))
                {
                    throw new MirrorUnavailableException($"{mirror}: {e.Message}", e);
                }
                if (response.IsSuccessStatusCode) throw new MirrorUnavailableException($"{mirror}: the lock answer is not a JSON object");
                // A 404 without our JSON error: a mirror that has no lock routes.
                throw new MirrorUnavailableException($"{mirror}: HTTP {status} without a lock answer (a mirror without lock routes?)");
            }
            await EnsureSuccessAsync(response, mirror, ct).ConfigureAwait(false);
            throw new MirrorUnavailableException($"{mirror}: HTTP {status}");
        }
    }
}
