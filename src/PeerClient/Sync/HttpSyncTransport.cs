using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Diagnostics;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Sync;

/// <summary>A mirror answered 401 or 403: the credential is missing, unknown, revoked, expired or lacks the right.
/// Not a reason to try the next mirror (keys are cluster-wide): the round stops.</summary>
internal sealed class MirrorRejectedCredentialException(string mirror, int statusCode, string reason) : Exception($"{mirror}: HTTP {statusCode} {reason}")
{
    public string Mirror { get; } = mirror;

    public int StatusCode { get; } = statusCode;

    /// <summary>The mirror's JSON error (code and reason), shortened; never contains the key.</summary>
    public string Reason { get; } = reason;
}

/// <summary>The sync protocol over HTTP (src/Storage/Sync/README.md), with connect and request timeouts.</summary>
internal sealed partial class HttpSyncTransport : ISyncTransport
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");
    private static readonly MediaTypeHeaderValue BatchType = new("application/x-mynosql-batch");
    private readonly HttpClient _http;
    private readonly string? _apiKey;
    private readonly Func<CancellationToken, ValueTask<string?>>? _apiKeyProvider;
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2Collection _trusted;
    private readonly bool _allowPlainHttpKey;

    public HttpSyncTransport(MyNoSqlOptions options)
        : this(options.SyncRequestTimeout, options.ConfigureHttpHandler, options.ApiKey, options.ApiKeyProvider, options.TrustedCertificates)
    {
        _allowPlainHttpKey = options.AllowApiKeyOverPlainHttp;
    }

    public HttpSyncTransport(TimeSpan requestTimeout, Action<SocketsHttpHandler>? configure, string? apiKey = null,
        Func<CancellationToken, ValueTask<string?>>? apiKeyProvider = null,
        System.Security.Cryptography.X509Certificates.X509Certificate2Collection? trusted = null)
    {
        _apiKey = string.IsNullOrEmpty(apiKey) ? null : apiKey;
        _apiKeyProvider = apiKeyProvider;
        _trusted = trusted is null ? [] : [.. trusted];
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            AutomaticDecompression = DecompressionMethods.Brotli,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            UseCookies = false,
            UseProxy = false,
        };
        if (_trusted.Count > 0)
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => MirrorCertificate.IsTrusted(certificate, errors, _trusted);
        configure?.Invoke(handler);
        _http = new HttpClient(handler) { Timeout = requestTimeout };
    }

    /// <summary>Every live mirror's base URL as <paramref name="mirror"/> reports it.</summary>
    public async Task<IReadOnlyList<string>> GetMirrorsAsync(string mirror, CancellationToken ct)
    {
        var body = await SendAsync(new HttpRequestMessage(HttpMethod.Get, mirror + "/mirrors"), mirror, ct).ConfigureAwait(false);
        using var doc = Parse(body, mirror);
        return [.. doc.RootElement.EnumerateArray().Select(e => e.GetString()).Where(s => !string.IsNullOrEmpty(s)).Select(s => s!)];
    }

    /// <summary>True when the mirror's index differs from <paramref name="checkpoint"/> (a few hundred bytes on the wire).</summary>
    public async Task<bool> PollAsync(string mirror, string db, string? checkpoint, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{mirror}/db/{db}/sync/poll?t={SyncCheckpoint.PollTokenOf(checkpoint)}");
        using var response = await SendRawAsync(request, mirror, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent) return false;
        await EnsureSuccessAsync(response, mirror, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>Index entries changed since <paramref name="checkpoint"/> (null: from the beginning), at most <paramref name="limit"/>.</summary>
    public async Task<ChangesPage> GetChangesAsync(string mirror, string db, string? checkpoint, int limit, IReadOnlyList<string> prefixes, CancellationToken ct)
    {
        string since = string.IsNullOrEmpty(checkpoint) ? "" : "&since=" + Uri.EscapeDataString(checkpoint);
        string filter = string.Concat(prefixes.Select(p => "&prefix=" + Uri.EscapeDataString(p)));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{mirror}/db/{db}/sync/changes?limit={limit}{since}{filter}");
        var body = await SendAsync(request, mirror, ct).ConfigureAwait(false);
        using var doc = Parse(body, mirror);
        try
        {
            var root = doc.RootElement;
            var cp = root.GetProperty("checkpoint");
            var entries = new List<ChangeEntry>();
            foreach (var e in root.GetProperty("changes").EnumerateArray())
            {
                entries.Add(new ChangeEntry(e.GetProperty("id").GetString()!, e.GetProperty("rev").GetString()!,
                    e.TryGetProperty("deleted", out var d) && d.GetBoolean(), e.TryGetProperty("conflicts", out var c) ? c.GetString() : null));
            }
            return new ChangesPage(cp.ValueKind == JsonValueKind.Null ? null : cp.GetString(), entries, root.GetProperty("more").GetBoolean(),
                root.TryGetProperty("horizon", out var h) && h.TryGetInt64(out long seconds) && seconds > 0 ? seconds : null);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or KeyNotFoundException)
        {
            throw new MirrorUnavailableException($"{mirror}: malformed changes page: {e.Message}", e);
        }
    }

    /// <summary>Pushes a record batch; one answer per leaf.</summary>
    public async Task<IReadOnlyList<PushResult>> PushAsync(string mirror, string db, byte[] batch, IReadOnlyList<string> ids, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{mirror}/db/{db}/sync/push") { Content = new ByteArrayContent(batch) };
        request.Content.Headers.ContentType = BatchType;
        var body = await SendAsync(request, mirror, ct).ConfigureAwait(false);
        using var doc = Parse(body, mirror);
        try
        {
            return [.. doc.RootElement.GetProperty("results").EnumerateArray().Select(e =>
                new PushResult(e.GetProperty("id").GetString()!, e.GetProperty("rev").GetString()!, ParseStatus(e.GetProperty("status").GetString())))];
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or KeyNotFoundException)
        {
            throw new MirrorUnavailableException($"{mirror}: malformed push answer: {e.Message}", e);
        }
    }

    /// <summary>A push status by its wire name (<see cref="PushStatusNames"/>); anything else is a malformed answer.</summary>
    private static string ParseStatus(string? name) => PushStatusNames.ToWire(PushStatusNames.Parse(name));

    /// <summary>Every leaf of the given records the mirror holds.</summary>
    public Task<byte[]> FetchAsync(string mirror, string db, IReadOnlyList<string> ids, CancellationToken ct) =>
        FetchAsync(mirror, db, ids, [], ct);

    /// <summary>Every leaf of the given records the mirror holds, relative to the revisions the peer holds (delta sync):
    /// the body is a JSON array of ids, or <c>{"id","rev"}</c> for an id whose revision is given.</summary>
    public async Task<byte[]> FetchAsync(string mirror, string db, IReadOnlyList<string> ids, IReadOnlyList<string?> heldRevs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(heldRevs);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            for (int i = 0; i < ids.Count; i++)
            {
                string? rev = i < heldRevs.Count ? heldRevs[i] : null;
                if (rev is null)
                {
                    w.WriteStringValue(ids[i]);
                    continue;
                }
                w.WriteStartObject();
                w.WriteString("id", ids[i]);
                w.WriteString("rev", rev);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        // With revisions (delta sync) the body is mostly revision hashes: sent Brotli-compressed (the gateway inflates it,
        // bounded); a plain id list goes as before, so any gateway reads it.
        bool withRevs = heldRevs.Any(r => r is not null);
        byte[] json = buffer.WrittenSpan.ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{mirror}/db/{db}/sync/fetch")
        {
            Content = new ByteArrayContent(withRevs ? Compress(json) : json),
        };
        request.Content.Headers.ContentType = JsonType;
        if (withRevs) request.Content.Headers.ContentEncoding.Add("br");
        return await SendAsync(request, mirror, ct).ConfigureAwait(false);
    }

    private static byte[] Compress(byte[] raw)
    {
        using var output = new MemoryStream(raw.Length / 2 + 64);
        using (var brotli = new System.IO.Compression.BrotliStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            brotli.Write(raw);
        return output.ToArray();
    }

    /// <summary>Runs a Mango query on the mirror (<c>POST /db/{db}/_find</c>); a 400 is the query's fault (<see cref="ArgumentException"/>).</summary>
    public async Task<JsonObject> FindAsync(string mirror, string db, JsonObject query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{mirror}/db/{db}/_find")
        {
            Content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(query.ToJsonString())),
        };
        request.Content.Headers.ContentType = JsonType;
        using var response = await SendRawAsync(request, mirror, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.BadRequest)
        {
            string reason = "the mirror refused the query";
            try
            {
                if (JsonNode.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)) is JsonObject error && error["reason"] is JsonValue r
                    && r.TryGetValue<string>(out var text)) reason = text;
            }
            catch (Exception e) when (e is JsonException || IsTransport(e, ct))
            {
            }
            throw new ArgumentException($"Database '{db}': {reason}", nameof(query));
        }
        await EnsureSuccessAsync(response, mirror, ct).ConfigureAwait(false);
        try
        {
            if (JsonNode.Parse(await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false)) is JsonObject answer) return answer;
            throw new MirrorUnavailableException($"{mirror}: the _find answer is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new MirrorUnavailableException($"{mirror}: the _find answer is not JSON: {e.Message}", e);
        }
        catch (Exception e) when (IsTransport(e, ct))
        {
            throw new MirrorUnavailableException($"{mirror}: {e.Message}", e);
        }
    }

    /// <summary>The mirrors' merge policy (<c>GET /db/{db}/_merge_policy</c>): <c>{"fields":{…},"stamp":N}</c>, <c>{"fields":{}}</c>
    /// when none. A mirror without the route (404, 405, 501) cannot carry policies: <see cref="NotSupportedException"/>.</summary>
    public Task<JsonObject> GetMergePolicyAsync(string mirror, string db, CancellationToken ct) =>
        SendPolicyAsync(new HttpRequestMessage(HttpMethod.Get, $"{mirror}/db/{db}/_merge_policy"), mirror, db, ct);

    /// <summary>Offers the peer's policy (<c>PUT /db/{db}/_merge_policy</c>); the answer is the policy the mirrors hold now.
    /// A 400 (<c>bad_policy</c>) is an <see cref="ArgumentException"/> with the mirror's reason.</summary>
    public Task<JsonObject> PutMergePolicyAsync(string mirror, string db, JsonObject policy, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var request = new HttpRequestMessage(HttpMethod.Put, $"{mirror}/db/{db}/_merge_policy")
        {
            Content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(policy.ToJsonString())),
        };
        request.Content.Headers.ContentType = JsonType;
        return SendPolicyAsync(request, mirror, db, ct);
    }

    private async Task<JsonObject> SendPolicyAsync(HttpRequestMessage request, string mirror, string db, CancellationToken ct)
    {
        using (request)
        {
            using var response = await SendRawAsync(request, mirror, ct).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented)
                throw new NotSupportedException($"{mirror}: the mirror has no merge policy route (HTTP {(int)response.StatusCode}).");
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                string reason = "the mirror refused the merge policy";
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
            await EnsureSuccessAsync(response, mirror, ct).ConfigureAwait(false);
            try
            {
                if (JsonNode.Parse(await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false)) is JsonObject answer) return answer;
                throw new MirrorUnavailableException($"{mirror}: the merge policy answer is not a JSON object");
            }
            catch (JsonException e)
            {
                throw new MirrorUnavailableException($"{mirror}: the merge policy answer is not JSON: {e.Message}", e);
            }
            catch (Exception e) when (IsTransport(e, ct))
            {
                throw new MirrorUnavailableException($"{mirror}: {e.Message}", e);
            }
        }
    }

    public void Dispose() => _http.Dispose();

    private static JsonDocument Parse(byte[] body, string mirror)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new MirrorUnavailableException($"{mirror}: the answer is not JSON: {e.Message}", e);
        }
    }

    private async Task<byte[]> SendAsync(HttpRequestMessage request, string mirror, CancellationToken ct)
    {
        using (request)
        {
            using var response = await SendRawAsync(request, mirror, ct).ConfigureAwait(false);
            await EnsureSuccessAsync(response, mirror, ct).ConfigureAwait(false);
            try
            {
                return await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransport(e, ct))
            {
                throw new MirrorUnavailableException($"{mirror}: {e.Message}", e);
            }
        }
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, string mirror, CancellationToken ct,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        string? key = _apiKeyProvider is null ? _apiKey : await _apiKeyProvider(ct).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(key))
        {
            if (!key.All(c => c is > ' ' and < '\u007f'))
                throw new MirrorRejectedCredentialException(mirror, 0, "the key from MyNoSqlOptions.ApiKeyProvider is not printable ASCII without spaces (not sent)");
            if (!_allowPlainHttpKey && request.RequestUri is { Scheme: "http" } uri && !uri.IsLoopback)
                throw new MirrorRejectedCredentialException(mirror, 0, "the API key is not sent over plain http to a mirror that is not on loopback " +
                    "(anyone on the path could read it): use an https:// mirror URL, or set MyNoSqlOptions.AllowApiKeyOverPlainHttp on a network you trust");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        try
        {
            var response = await _http.SendAsync(request, completion, ct).ConfigureAwait(false);
            if (request.Content?.Headers.ContentLength is long sent and > 0) CountBytes(sent, "sent", request.RequestUri, mirror);
            if (response.Content.Headers.ContentLength is long received and > 0) CountBytes(received, "received", request.RequestUri, mirror);
            return response;
        }
        catch (Exception e) when (IsTransport(e, ct))
        {
            throw new MirrorUnavailableException($"{mirror}: {(e is TaskCanceledException ? "timed out" : e.Message)}", e);
        }
    }

    /// <summary>Counts sync bytes tagged with the database the request is about, as the mirror's side does; requests
    /// about the mirror itself (<c>/mirrors</c>) carry no <c>db</c> tag.</summary>
    private static void CountBytes(long bytes, string direction, Uri? uri, string mirror)
    {
        var tag = new KeyValuePair<string, object?>("direction", direction);
        if (DatabaseOf(uri, mirror) is { Length: > 0 } db) MyNoSqlMetrics.SyncBytes.Add(bytes, MyNoSqlMetrics.Db(db), tag);
        else MyNoSqlMetrics.SyncBytes.Add(bytes, tag);
    }

    /// <summary>The database a request is about (<c>{mirror}/db/{db}/…</c>); "" when it names none.</summary>
    internal static string DatabaseOf(Uri? uri, string mirror)
    {
        if (uri is null) return "";
        string text = uri.OriginalString;
        if (!text.StartsWith(mirror, StringComparison.Ordinal) || !text.AsSpan(mirror.Length).StartsWith("/db/", StringComparison.Ordinal)) return "";
        var rest = text.AsSpan(mirror.Length + 4);
        int end = rest.IndexOfAny('/', '?');
        return Uri.UnescapeDataString(end < 0 ? rest : rest[..end]);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string mirror, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        string text = "";
        try { text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false); }
        catch (Exception e) when (IsTransport(e, ct)) { }
        bool readOnly = response.StatusCode is HttpStatusCode.Forbidden && ErrorCode(text) == "read_only";
        if (text.Length > 300) text = text[..300];
        // Whatever a mirror answers, the key never reaches a message (a broken proxy might echo the header).
        if (response.RequestMessage?.Headers.Authorization?.Parameter is { Length: > 0 } sent) text = text.Replace(sent, "***", StringComparison.Ordinal);
        if (readOnly) throw new MirrorReadOnlyException(mirror, text);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw new MirrorRejectedCredentialException(mirror, (int)response.StatusCode, text);
        throw new MirrorUnavailableException($"{mirror}: HTTP {(int)response.StatusCode} {text}");
    }

    /// <summary>The <c>error</c> code of the gateway's JSON error body, or null when the body is not one.</summary>
    private static string? ErrorCode(string body)
    {
        try { return JsonNode.Parse(body) is JsonObject o && o["error"] is JsonValue v && v.TryGetValue(out string? code) ? code : null; }
        catch (JsonException) { return null; }
    }

    private static bool IsTransport(Exception e, CancellationToken ct) =>
        e is HttpRequestException or IOException or TimeoutException || (e is OperationCanceledException && !ct.IsCancellationRequested);
}
