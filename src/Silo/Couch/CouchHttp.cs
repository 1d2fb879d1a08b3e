using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using MyNoSql.Grains;
using MyNoSql.Silo.Configuration;
using MyNoSql.Silo.Gateway;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Silo.Couch;

/// <summary>Request plumbing shared by the /couch routes: CouchDB-shaped errors, bodies, database names, ids, grains.</summary>
internal static class CouchHttp
{
    /// <summary>Largest body of <c>_bulk_docs</c>, <c>_bulk_get</c>, <c>_revs_diff</c> (as the native sync push).</summary>
    public const int BatchBytes = 64 << 20;

    /// <summary>Runs a handler, answering <see cref="CouchRequestException"/> with CouchDB's error code (400; 403 for
    /// <c>forbidden</c>, 404 for <c>not_found</c>, 413 for <c>document_too_large</c>).</summary>
    public static async Task RunAsync(HttpContext context, Func<Task> handler)
    {
        try
        {
            await handler();
        }
        catch (CouchRequestException e) when (!context.Response.HasStarted)
        {
            int status = e.Error switch { "document_too_large" => 413, "forbidden" => 403, "not_found" => 404, "unavailable" => 503, _ => 400 };
            await ApiResponse.ErrorAsync(context, status, e.Error, e.Message);
        }
    }

    /// <summary>400 <c>illegal_database_name</c> unless <paramref name="db"/> is one of ours.</summary>
    public static async Task<bool> CheckDatabaseAsync(HttpContext context, string db)
    {
        if (DatabaseName.IsValid(db)) return true;
        await ApiResponse.ErrorAsync(context, 400, "illegal_database_name",
            $"Name: '{ApiResponse.Quote(db)}'. Only 1–{DatabaseName.MaxLength} characters of [a-z0-9_-], starting with a letter, are allowed here.");
        return false;
    }

    /// <summary>The request body as JSON (null: 413/415/400 answered).</summary>
    public static async Task<JsonNode?> ReadJsonAsync(HttpContext context, int maxBytes)
    {
        var bytes = await RequestBody.ReadJsonAsync(context, maxBytes, $"The body is larger than {maxBytes} bytes.", "The body must be a JSON object");
        if (bytes is null) return null;
        try
        {
            if (!System.Text.Unicode.Utf8.IsValid(bytes)) throw new JsonException("not UTF-8");
            return JsonNode.Parse(bytes, documentOptions: DocumentCodec.DocumentOptions) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            await ApiResponse.ErrorAsync(context, 400, "bad_request", $"invalid UTF-8 JSON: {e.Message}");
            return null;
        }
    }

    /// <summary>The largest document body this mirror stores.</summary>
    public static int MaxDocumentSize(HttpContext context) => context.RequestServices.GetRequiredService<IOptions<MirrorOptions>>().Value.MaxDocumentSize;

    public static IGrainFactory Grains(HttpContext context) => context.RequestServices.GetRequiredService<IGrainFactory>();

    public static IRecordGrain Record(HttpContext context, string db, string id) => Grains(context).GetGrain<IRecordGrain>(RecordKey.For(db, id));

    /// <summary>
    /// The path after <c>/couch/{db}/</c> as sent, split into the document id and attachment name (null for the document):
    /// <c>_local/x</c> and <c>_design/x</c> ids keep their first slash, any other id ends at the first plain <c>/</c>
    /// (CouchDB's rule: a slash inside an id is sent as <c>%2F</c>); both parts URL-decoded once.
    /// </summary>
    public static (string Id, string? Attachment) DocPathOf(HttpContext context, string db)
    {
        string raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        int query = raw.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0) raw = raw[..query];
        string prefix = "/couch/" + db + "/";
        string rest = raw.StartsWith(prefix, StringComparison.Ordinal) ? raw[prefix.Length..] : context.Request.RouteValues["rest"] as string ?? "";
        int from = rest.StartsWith("_design/", StringComparison.Ordinal) || rest.StartsWith("_local/", StringComparison.Ordinal) ? rest.IndexOf('/') + 1 : 0;
        int slash = rest.IndexOf('/', from);
        return slash < 0
            ? (Uri.UnescapeDataString(rest), null)
            : (Uri.UnescapeDataString(rest[..slash]), Uri.UnescapeDataString(rest[(slash + 1)..]));
    }

    /// <summary>True for <c>/couch/{db}/</c> (nothing after the slash): the database, not a document.</summary>
    public static bool IsDatabasePath(HttpContext context, string db) => string.IsNullOrEmpty(context.Request.RouteValues["rest"] as string)
        && DocPathOf(context, db) is ("", null);

    /// <summary>A query flag (<c>true</c>/<c>false</c>); 400 for anything else.</summary>
    public static bool Flag(HttpContext context, string name)
    {
        string? text = context.Request.Query[name].FirstOrDefault();
        return text switch
        {
            null or "false" => false,
            "true" => true,
            _ => throw new CouchRequestException("bad_request", $"Invalid boolean parameter {name}: '{ApiResponse.Quote(text)}'."),
        };
    }

    /// <summary>Writes a 2xx/4xx JSON answer.</summary>
    public static Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        context.Response.StatusCode = status;
        return ApiResponse.WriteAsync(context, write);
    }

    /// <summary>Runs <paramref name="work"/> over <paramref name="items"/> with at most 32 calls in flight.</summary>
    public static async Task<TResult[]> ParallelAsync<TItem, TResult>(IReadOnlyList<TItem> items, Func<TItem, Task<TResult>> work, CancellationToken cancellationToken)
    {
        var results = new TResult[items.Count];
        using var gate = new SemaphoreSlim(32);
        await Task.WhenAll(items.Select(async (item, i) =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                results[i] = await work(item);
            }
            finally
            {
                gate.Release();
            }
        }));
        return results;
    }
}
