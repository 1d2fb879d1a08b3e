using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Grains;
using MyNoSql.Silo.Gateway;

namespace MyNoSql.Silo.Couch;

/// <summary>
/// <c>GET</c>/<c>PUT</c>/<c>DELETE /couch/{db}/_local/{id}</c>: replication checkpoints, kept by a
/// <see cref="ICouchLocalGrain"/> apart from records (never in <c>_changes</c>, <c>_all_docs</c> or native sync).
/// Revisions are <c>0-N</c>; a write must name the current one (409 <c>conflict</c> otherwise), as in CouchDB.
/// </summary>
internal static class CouchLocalEndpoints
{
    private const int MaxBytes = 1 << 20;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapMethods("/couch/{db}/_local/{**id}", [HttpMethods.Get, HttpMethods.Head], (HttpContext c, string db) => CouchHttp.RunAsync(c, () => GetAsync(c, db)));
        app.MapPut("/couch/{db}/_local/{**id}", (HttpContext c, string db) => CouchHttp.RunAsync(c, () => PutAsync(c, db, delete: false)));
        app.MapDelete("/couch/{db}/_local/{**id}", (HttpContext c, string db) => CouchHttp.RunAsync(c, () => PutAsync(c, db, delete: true)));
    }

    private static async Task<(ICouchLocalGrain Grain, string Id)?> GrainOfAsync(HttpContext context, string db)
    {
        if (!await CouchHttp.CheckDatabaseAsync(context, db)) return null;
        var (id, _) = CouchHttp.DocPathOf(context, db);
        string name = id["_local/".Length..];
        if (name.Length is 0 or > 512 || name.Any(char.IsControl))
        {
            await ApiResponse.ErrorAsync(context, 400, "illegal_docid", "A _local document id needs 1–512 characters without control characters.");
            return null;
        }
        return (CouchHttp.Grains(context).GetGrain<ICouchLocalGrain>(db + "/" + name), id);
    }

    internal static async Task GetAsync(HttpContext context, string db)
    {
        if (await GrainOfAsync(context, db) is not var (grain, id)) return;
        var doc = await ClusterCall.RetryAsync(context, () => grain.Get(context.RequestAborted).AsTask());
        if (doc is null)
        {
            await ApiResponse.ErrorAsync(context, 404, "not_found", "missing");
            return;
        }
        await CouchHttp.WriteAsync(context, 200, w => CouchOutput.WriteDoc(w, id, doc.Rev, deleted: false, doc.Body, ancestry: null));
    }

    internal static async Task PutAsync(HttpContext context, string db, bool delete)
    {
        if (await GrainOfAsync(context, db) is not var (grain, id)) return;
        string? rev = context.Request.Query["rev"].FirstOrDefault();
        byte[]? body = null;
        if (!delete)
        {
            if (await CouchHttp.ReadJsonAsync(context, MaxBytes) is not { } node) return;
            if (node is not JsonObject doc) throw new CouchRequestException("bad_request", "Document must be a JSON object.");
            var buffer = new ArrayBufferWriter<byte>(256);
            using (var w = new Utf8JsonWriter(buffer, CouchOutput.Options))
            {
                w.WriteStartObject();
                foreach (var (key, value) in doc)
                {
                    if (key == "_rev") rev = value is JsonValue v && v.TryGetValue(out string? r) ? r : throw new CouchRequestException("bad_request", "_rev must be a string.");
                    if (key is "_id" or "_rev" or "_revisions") continue;
                    w.WritePropertyName(key);
                    if (value is null) w.WriteNullValue();
                    else value.WriteTo(w);
                }
                w.WriteEndObject();
            }
            body = buffer.WrittenSpan.ToArray();
        }
        string? written = await ClusterCall.RetryAsync(context, () => grain.Put(rev, body, context.RequestAborted).AsTask());
        if (written is null)
        {
            bool missing = delete && await grain.Get(context.RequestAborted) is null;
            await ApiResponse.ErrorAsync(context, missing ? 404 : 409, missing ? "not_found" : "conflict", missing ? "missing" : "Document update conflict.");
            return;
        }
        await CouchHttp.WriteAsync(context, delete ? 200 : 201, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("ok", true);
            w.WriteString("id", id);
            w.WriteString("rev", written);
            w.WriteEndObject();
        });
    }
}
