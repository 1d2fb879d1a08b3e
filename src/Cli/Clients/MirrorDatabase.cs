using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.Cli.Clients;

/// <summary>A database on a mirror, through its HTTP gateway (DESIGN §4, §7, §8, §11 routes).</summary>
internal sealed class MirrorDatabase : IDatabaseClient
{
    private const int ImportParallelism = 8;
    private const int PageSize = 1000;
    private readonly HttpClient _http;
    private readonly string _base;
    private readonly string _db;

    public MirrorDatabase(string url, string database, string? apiKey, TimeSpan timeout)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw CliException.Usage($"--mirror '{url}' is not an http:// or https:// URL (e.g. http://127.0.0.1:8800).");
        _base = url.TrimEnd('/');
        _db = database;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = timeout };
        if (apiKey is not null)
        {
            if (apiKey.Length == 0 || apiKey.Any(c => c is <= ' ' or >= '\u007f'))
                throw CliException.Usage("--api-key must be printable ASCII without spaces.");
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
    }

    public string Database => _db;

    public string Target => $"mirror {_base}";

    private string Db => $"{_base}/db/{_db}";

    // "." and ".." are ids like any other (DESIGN §2): encoded, and sent without the URI canonicalization that would
    // otherwise remove them as dot segments (DELETE /db/d/doc/.. would become DELETE /db/d/).
    private static string Id(string id) => id is "." or ".." ? id.Replace(".", "%2E", StringComparison.Ordinal) : Uri.EscapeDataString(id);

    private static readonly UriCreationOptions AsSent = new() { DangerousDisablePathAndQueryCanonicalization = true };

    private static Uri Record(string url) => new(url, in AsSent);

    public async Task<JsonObject> PutAsync(JsonObject record, CancellationToken ct)
    {
        string? id = record["id"] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        using var request = new HttpRequestMessage(id is null ? HttpMethod.Post : HttpMethod.Put, Record(id is null ? $"{Db}/doc" : $"{Db}/doc/{Id(id)}"))
        {
            Content = Json(record),
        };
        return (await SendAsync(request, id, ct).ConfigureAwait(false))!.AsObject();
    }

    public async Task<IReadOnlyList<RecordRefusal>> SaveBatchAsync(IReadOnlyList<JsonObject> records, CancellationToken ct)
    {
        // Each record is its own request: a refused one (409, 413, 400…) leaves the others saved, as on a local peer.
        var refused = new System.Collections.Concurrent.ConcurrentBag<RecordRefusal>();
        await Parallel.ForEachAsync(Enumerable.Range(0, records.Count), new ParallelOptions { MaxDegreeOfParallelism = ImportParallelism, CancellationToken = ct },
            async (i, c) =>
            {
                try
                {
                    await PutAsync(records[i], c).ConfigureAwait(false);
                }
                catch (CliException e) when (e.ExitCode is ExitCodes.NotFoundOrConflict or ExitCodes.BadInput && !e.Data.Contains("status401") && !e.Data.Contains("status403"))
                {
                    refused.Add(new RecordRefusal(i, e.ExitCode, e.Message));
                }
            }).ConfigureAwait(false);
        return [.. refused.OrderBy(r => r.Index)];
    }

    public async Task<JsonObject?> GetAsync(string id, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Record($"{Db}/doc/{Id(id)}"));
        try
        {
            return (await SendAsync(request, id, ct).ConfigureAwait(false))!.AsObject();
        }
        catch (CliException e) when (e.ExitCode == ExitCodes.NotFoundOrConflict && e.Data.Contains("status404"))
        {
            return null;
        }
    }

    public async Task<string> DeleteAsync(string id, string rev, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, Record($"{Db}/doc/{Id(id)}?rev={Uri.EscapeDataString(rev)}"));
        var answer = await SendAsync(request, id, ct).ConfigureAwait(false);
        return answer?["rev"]?.GetValue<string>() ?? "";
    }

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        string? after = null;
        while (true)
        {
            string url = $"{Db}/docs?prefix={Uri.EscapeDataString(prefix)}&limit={PageSize}" + (after is null ? "" : $"&after={Uri.EscapeDataString(after)}");
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            var page = (await SendAsync(request, null, ct).ConfigureAwait(false))!.AsObject();
            foreach (var id in page["ids"]!.AsArray()) yield return id!.GetValue<string>();
            after = page["next"] is JsonValue n && n.TryGetValue(out string? next) ? next : null;
            if (after is null) yield break;
        }
    }

    public async Task<FindResult> FindAsync(JsonObject query, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Db}/_find") { Content = Json(query) };
        var answer = (await SendAsync(request, null, ct).ConfigureAwait(false))!.AsObject();
        var docs = answer["docs"]!.AsArray().Select(d => d!.AsObject()).ToList();
        foreach (var d in docs) d.Parent?.AsArray().Remove(d);
        return new FindResult(docs, Str(answer["bookmark"]), Str(answer["index"]), Str(answer["warning"]));
    }

    public async IAsyncEnumerable<JsonObject> ExportAsync([EnumeratorCancellation] CancellationToken ct)
    {
        string? since = null;
        while (true)
        {
            string url = $"{Db}/_changes?include_docs=true&limit={PageSize}" + (since is null ? "" : $"&since={Uri.EscapeDataString(since)}");
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            JsonObject page;
            try
            {
                page = (await SendAsync(request, null, ct).ConfigureAwait(false))!.AsObject();
            }
            catch (CliException e) when (since is null && e.Data.Contains("status404"))
            {
                yield break; // the mirror holds nothing of this database yet
            }
            var results = page["results"]!.AsArray();
            foreach (var r in results)
            {
                if (r?["deleted"] is JsonValue d && d.GetValue<bool>()) continue;
                if (r?["doc"] is JsonObject doc) yield return doc;
            }
            string? last = Str(page["last_seq"]) ?? page["last_seq"]?.ToJsonString();
            if (results.Count == 0 || last is null || last == since) yield break;
            since = last;
        }
    }

    public async Task<long?> CountAsync(CancellationToken ct)
    {
        var info = await StatusAsync(ct).ConfigureAwait(false);
        return info["doc_count"] is JsonValue v && v.TryGetValue(out long n) ? n : null;
    }

    public async Task<IReadOnlyList<RevisionInfo>> HistoryAsync(string id, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Record($"{Db}/doc/{Id(id)}/_history"));
        var answer = (await SendAsync(request, id, ct).ConfigureAwait(false))!.AsObject();
        return [.. answer["history"]!.AsArray().Select(h => new RevisionInfo(
            h!["rev"]!.GetValue<string>(),
            h["deleted"]?.GetValue<bool>() ?? false,
            Str(h["saved_at"]) is string t ? DateTimeOffset.Parse(t, CultureInfo.InvariantCulture) : null,
            h["has_body"]?.GetValue<bool>() ?? false))];
    }

    public async Task<JsonObject> UndoRedoAsync(string id, bool redo, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Record($"{Db}/doc/{Id(id)}/{(redo ? "_redo" : "_undo")}"));
        return (await SendAsync(request, id, ct).ConfigureAwait(false))!.AsObject();
    }

    public Task<JsonObject> SyncAsync(IProgress<string>? progress, CancellationToken ct) =>
        throw CliException.Usage("sync runs on a local peer: give --data DIR (and --mirror URL to add that mirror to it); a mirror keeps itself in sync.");

    public async Task<JsonObject> StatusAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Db);
        var info = (await SendAsync(request, null, ct).ConfigureAwait(false))!.AsObject();
        info["mirror"] = _base;
        return info;
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private static ByteArrayContent Json(JsonNode body)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>Sends; a 2xx gives its JSON body; anything else becomes a <see cref="CliException"/> with the exit
    /// code of §11 and the mirror's own reason.</summary>
    private async Task<JsonNode?> SendAsync(HttpRequestMessage request, string? id, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Unreachable, $"mirror {_base} unreachable: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unreachable, $"mirror {_base} did not answer within {_http.Timeout.TotalSeconds:0} s.", e);
        }
        using (response)
        {
            byte[] body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            if (response.IsSuccessStatusCode) return body.Length == 0 ? null : JsonNode.Parse(body);
            throw Failure((int)response.StatusCode, body, request, id);
        }
    }

    private CliException Failure(int status, byte[] body, HttpRequestMessage request, string? id)
    {
        string error = "", reason = Encoding.UTF8.GetString(body);
        try
        {
            if (JsonNode.Parse(body) is JsonObject o)
            {
                error = Str(o["error"]) ?? "";
                reason = Str(o["reason"]) ?? reason;
            }
        }
        catch (JsonException) { }
        string what = $"{request.Method} {request.RequestUri?.AbsolutePath}";
        int code = status switch
        {
            404 or 409 or 422 => ExitCodes.NotFoundOrConflict,
            401 or 403 => ExitCodes.BadInput,
            >= 400 and < 500 => ExitCodes.BadInput,
            _ => ExitCodes.Unreachable,
        };
        string message = status switch
        {
            404 when id is not null && error is "not_found" or "" => $"not found: record '{id}' in database '{_db}' on {_base} ({reason})",
            404 => $"not found: database '{_db}' on {_base} ({reason})",
            409 => $"conflict: {reason}",
            401 or 403 => $"{_base} refused the key ({status} {error}): {reason}",
            _ => $"{_base} answered {status} {error} to {what}: {reason}",
        };
        var e = new CliException(code, message);
        e.Data[$"status{status}"] = true;
        return e;
    }
}
