using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using MyNoSql.Grains;
using MyNoSql.Grains.Query;
using MyNoSql.Silo.Configuration;
using MyNoSql.Storage.Diagnostics;
using MyNoSql.Storage.Query;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// The query routes of DESIGN §7, answered by this mirror from its own copy (<see cref="MirrorQueries"/>):
/// <list type="bullet">
/// <item><c>POST /db/{db}/_find</c> (a Mango query) → 200 <c>{"docs","bookmark","index","warning"?}</c>;</item>
/// <item><c>POST /db/{db}/_explain</c> (a Mango query) → 200, the plan;</item>
/// <item><c>POST /db/{db}/_index</c> <c>{"name","fields"}</c> or CouchDB's <c>{"index":{"fields"},"name"}</c> → 200
/// <c>{"result":"created"|"exists","name"}</c>; 409 <c>conflict</c> when the name is taken with other fields (as
/// CouchDB answers a conflicting write; nothing is replaced silently);</item>
/// <item><c>GET /db/{db}/_index</c> → <c>{"indexes":[{"name","fields"}]}</c>; <c>DELETE /db/{db}/_index/{name}</c> → 200
/// <c>{"ok":true}</c> or 404.</item>
/// </list>
/// Errors: a body that is not a JSON object, or a bad selector, sort, limit, skip, fields or bookmark → 400
/// <c>bad_query</c> naming the part (the <see cref="ArgumentException"/> of <see cref="MangoQuery.Parse"/>); a bad
/// index definition → 400 <c>bad_index</c>; a body neither sent as JSON nor parsing as a JSON object → 415; larger than the maximum document
/// size → 413; the index catalog unreachable → 503 with <c>Retry-After</c> (after the gateway's usual retries).
/// Index definitions are cluster-wide (<see cref="IIndexCatalogGrain"/>): created through any mirror, every mirror
/// builds and uses them.
/// <para>Freshness (read-your-writes through the same gateway): a query through mirror G reflects every save and
/// delete G acknowledged before the query began, even when G's silo was not in the write quorum
/// (<see cref="AcknowledgedWrites"/>), plus whatever replication and anti-entropy delivered to G meanwhile.</para>
/// </summary>
internal static class QueryEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/db/{db}/_find", FindAsync);
        app.MapPost("/db/{db}/_explain", ExplainAsync);
        app.MapPost("/db/{db}/_index", CreateIndexAsync);
        app.MapGet("/db/{db}/_index", ListIndexesAsync);
        app.MapDelete("/db/{db}/_index/{name}", DeleteIndexAsync);
    }

    private static async Task FindAsync(HttpContext context, string db)
    {
        var queries = await QueriesAsync(context, db);
        if (queries is null) return;
        var query = await ReadQueryAsync(context);
        if (query is null) return;
        using var activity = MyNoSqlMetrics.Activities.StartActivity("mynosql.query");
        activity?.SetTag("db", db);
        MyNoSqlMetrics.Queries.Add(1, MyNoSqlMetrics.Db(db));
        QueryResult result;
        try
        {
            result = await queries.FindAsync(db, query, context.RequestAborted);
        }
        catch (ArgumentException e)
        {
            await BadQueryAsync(context, ApiResponse.Reason(e)); // e.g. a bookmark of another query
            return;
        }
        await ApiResponse.JsonBytesAsync(context, 200, MirrorQueries.ToJson(result));
    }

    private static async Task ExplainAsync(HttpContext context, string db)
    {
        var queries = await QueriesAsync(context, db);
        if (queries is null) return;
        var query = await ReadQueryAsync(context);
        if (query is null) return;
        JsonObject plan;
        try
        {
            plan = await queries.ExplainAsync(db, query, context.RequestAborted);
        }
        catch (ArgumentException e)
        {
            await BadQueryAsync(context, ApiResponse.Reason(e));
            return;
        }
        context.Response.StatusCode = 200;
        await ApiResponse.WriteAsync(context, w => plan.WriteTo(w));
    }

    private static async Task CreateIndexAsync(HttpContext context, string db)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return;
        var body = await ReadObjectAsync(context, "bad_index");
        if (body is null) return;
        if (!TryParseIndex(body, out var index, out var problem))
        {
            await ApiResponse.ErrorAsync(context, 400, "bad_index", $"Database '{db}': {problem}");
            return;
        }
        var catalog = context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IIndexCatalogGrain>(db);
        var reply = await ClusterCall.RetryAsync(context, () => catalog.Create(index, context.RequestAborted));
        switch (reply.Status)
        {
            case IndexCreateStatus.Created:
            case IndexCreateStatus.Exists:
                context.Response.StatusCode = 200;
                await ApiResponse.WriteAsync(context, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("result", reply.Status == IndexCreateStatus.Created ? "created" : "exists");
                    w.WriteString("name", index.Name);
                    w.WriteEndObject();
                });
                break;
            case IndexCreateStatus.Conflict:
                await ApiResponse.ErrorAsync(context, 409, "conflict", reply.Reason ?? $"Index '{index.Name}' exists with other fields.");
                break;
            default:
                await ApiResponse.ErrorAsync(context, 400, "bad_index", $"Database '{db}': {reply.Reason}");
                break;
        }
    }

    private static async Task ListIndexesAsync(HttpContext context, string db)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return;
        var catalog = context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IIndexCatalogGrain>(db);
        var current = await ClusterCall.RetryAsync(context, () => catalog.Get(context.RequestAborted));
        context.Response.StatusCode = 200;
        await ApiResponse.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("indexes");
            foreach (var index in current.Indexes.OrderBy(i => i.Name, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("name", index.Name);
                w.WriteStartArray("fields");
                foreach (var field in index.Fields) w.WriteStringValue(field);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static async Task DeleteIndexAsync(HttpContext context, string db, string name)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return;
        var catalog = context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IIndexCatalogGrain>(db);
        if (!await ClusterCall.RetryAsync(context, () => catalog.Delete(name, context.RequestAborted)))
        {
            await ApiResponse.ErrorAsync(context, 404, "not_found", $"Index '{ApiResponse.Quote(name)}' not found in database '{db}'.");
            return;
        }
        await ApiResponse.OkAsync(context);
    }

    /// <summary>The query service after checking the database name; null once an error was answered.</summary>
    private static async Task<MirrorQueries?> QueriesAsync(HttpContext context, string db)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return null;
        var queries = context.RequestServices.GetRequiredService<MirrorQueries>();
        if (queries.Enabled) return queries;
        await ApiResponse.ErrorAsync(context, 503, "unavailable",
            $"Database '{db}': queries are answered from each mirror's own store, which shared storage (--storage adonet) does not keep.");
        return null;
    }

    /// <summary>The parsed Mango query; null once an error was answered.</summary>
    private static async Task<MangoQuery?> ReadQueryAsync(HttpContext context)
    {
        var body = await ReadObjectAsync(context, "bad_query");
        if (body is null) return null;
        try
        {
            return MangoQuery.Parse(body);
        }
        catch (ArgumentException e)
        {
            await BadQueryAsync(context, ApiResponse.Reason(e));
            return null;
        }
    }

    /// <summary>The body as a JSON object; null once an error (415, 413, 400 <paramref name="code"/>) was answered.</summary>
    private static async Task<JsonObject?> ReadObjectAsync(HttpContext context, string code)
    {
        int max = context.RequestServices.GetRequiredService<IOptions<MirrorOptions>>().Value.MaxDocumentSize;
        var bytes = await RequestBody.ReadJsonAsync(context, max, $"The body is larger than the maximum of {max} bytes.", "The body must be a JSON object");
        if (bytes is null) return null;
        try
        {
            if (JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }) is JsonObject body) return body;
            await ApiResponse.ErrorAsync(context, 400, code, "The body must be a JSON object.");
        }
        catch (JsonException e)
        {
            await ApiResponse.ErrorAsync(context, 400, code, $"The body is not valid JSON: {e.Message}");
        }
        return null;
    }

    private static Task BadQueryAsync(HttpContext context, string reason) => ApiResponse.ErrorAsync(context, 400, "bad_query", reason);

    /// <summary>
    /// Reads <c>{"name","fields"}</c> or CouchDB's <c>{"index":{"fields"},"name"}</c>; a field is a dotted path or, as in
    /// CouchDB, a one-property object <c>{"path":"asc"}</c> (indexes are ascending; a descending sort scans backwards).
    /// </summary>
    private static bool TryParseIndex(JsonObject body, out IndexSpec index, out string problem)
    {
        index = null!;
        JsonNode? fieldsNode = body["fields"];
        if (body["index"] is { } inner)
        {
            if (inner is not JsonObject innerObject)
            {
                problem = "index: must be an object {\"fields\":[...]}.";
                return false;
            }
            fieldsNode ??= innerObject["fields"];
        }
        if (body["name"] is not JsonValue nameValue || !nameValue.TryGetValue<string>(out var name))
        {
            problem = "name: a string is required.";
            return false;
        }
        if (fieldsNode is not JsonArray fieldsArray)
        {
            problem = "fields: a list of field paths is required.";
            return false;
        }
        var fields = new List<string>();
        for (int i = 0; i < fieldsArray.Count; i++)
        {
            switch (fieldsArray[i])
            {
                case JsonValue v when v.TryGetValue<string>(out var path):
                    fields.Add(path);
                    break;
                case JsonObject o when o.Count == 1 && o.First().Value is JsonValue d && d.TryGetValue<string>(out var direction) && direction is "asc" or "desc":
                    fields.Add(o.First().Key);
                    break;
                default:
                    problem = $"fields[{i}]: must be a field path or {{\"path\":\"asc\"}}.";
                    return false;
            }
        }
        index = new IndexSpec(name, [.. fields]);
        problem = IndexRules.Problem(index) ?? "";
        return problem.Length == 0;
    }
}
