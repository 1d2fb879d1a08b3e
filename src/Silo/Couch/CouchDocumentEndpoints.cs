using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Grains;
using MyNoSql.Silo.Gateway;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Silo.Couch;

/// <summary>
/// One document: <c>GET</c>/<c>HEAD /couch/{db}/{id}</c> (<c>ETag</c> the rev; <c>rev</c>, <c>revs</c>, <c>revs_info</c>,
/// <c>conflicts</c>, <c>open_revs=all|[…]</c> with <c>latest</c>, answered as the JSON array PouchDB asks for with
/// <c>Accept: application/json</c>), <c>PUT</c> (the body's <c>_rev</c> or <c>?rev=</c>, which must agree; a losing leaf's rev
/// continues that branch; <c>?new_edits=false</c> as in <c>_bulk_docs</c>), <c>DELETE ?rev=</c>, <c>POST /couch/{db}</c> (a
/// new document, id generated when missing); attachment bodies are <see cref="CouchAttachments"/>, <c>_local%2F{id}</c>
/// is <see cref="CouchLocalEndpoints"/>.
/// </summary>
internal static class CouchDocumentEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/couch/{db}", (HttpContext c, string db) => CouchHttp.RunAsync(c, () => PutAsync(c, db, post: true)));
        app.MapMethods("/couch/{db}/_all_docs", [HttpMethods.Get, HttpMethods.Head], (HttpContext c, string db) => CouchHttp.RunAsync(c, () => CouchAllDocs.ServeAsync(c, db, post: false)));
        app.MapPost("/couch/{db}/_all_docs", (HttpContext c, string db) => CouchHttp.RunAsync(c, () => CouchAllDocs.ServeAsync(c, db, post: true)));
        // "/couch/{db}/" (a trailing slash, as PouchDB's destroy() sends) is the database, never an empty document id.
        // HEAD as GET (CouchDB: the same status and headers, ETag included): Kestrel drops the body a HEAD response must not carry.
        // "/couch/{db}/_local%2Fid" is the _local document, as CouchDB decodes it (the _local routes match only a plain slash).
        app.MapMethods("/couch/{db}/{**rest}", [HttpMethods.Get, HttpMethods.Head], (HttpContext c, string db) => CouchHttp.RunAsync(c,
            () => CouchHttp.IsDatabasePath(c, db) ? CouchEndpoints.DatabaseAsync(c, db)
                : IsEncodedLocal(c, db) ? CouchLocalEndpoints.GetAsync(c, db) : GetAsync(c, db)));
        app.MapPut("/couch/{db}/{**rest}", (HttpContext c, string db) => CouchHttp.RunAsync(c,
            () => CouchHttp.IsDatabasePath(c, db) ? CouchEndpoints.CreateAsync(c, db)
                : IsEncodedLocal(c, db) ? CouchLocalEndpoints.PutAsync(c, db, delete: false) : PutAsync(c, db, post: false)));
        app.MapDelete("/couch/{db}/{**rest}", (HttpContext c, string db) => CouchHttp.RunAsync(c,
            () => CouchHttp.IsDatabasePath(c, db) ? CouchEndpoints.DropAsync(c, db)
                : IsEncodedLocal(c, db) ? CouchLocalEndpoints.PutAsync(c, db, delete: true) : DeleteAsync(c, db)));
    }

    /// <summary>True for <c>/couch/{db}/_local%2F{id}</c>: a _local document whose slash was sent encoded.</summary>
    private static bool IsEncodedLocal(HttpContext context, string db) =>
        DatabaseName.IsValid(db) && CouchHttp.DocPathOf(context, db) is ({ } id, null) && id.StartsWith("_local/", StringComparison.Ordinal);

    private static async Task<string?> IdAsync(HttpContext context, string db)
    {
        if (!await CouchHttp.CheckDatabaseAsync(context, db)) return null;
        var (id, attachment) = CouchHttp.DocPathOf(context, db);
        if (CouchIds.IsHidden(id))
        {
            // Not served through /couch (README "Ids starting with _"), whatever a native writer made: reads find nothing,
            // writes are refused as CouchDB refuses them (design documents: 403, as we run none).
            if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
                || HttpMethods.IsDelete(context.Request.Method) && id.StartsWith("_design/", StringComparison.Ordinal))
                throw new CouchRequestException("not_found", "missing");
            CouchInput.CheckNotReserved(id);
        }
        if (attachment is not null)
        {
            await CouchAttachments.ServeAsync(context, db, id, attachment);
            return null;
        }
        if (!CouchReplicationEndpoints.IsValidId(id))
            throw new CouchRequestException("illegal_docid", $"Document id '{ApiResponse.Quote(id)}' is not valid here (1–512 UTF-8 bytes, no control characters).");
        return id;
    }

    private static async Task GetAsync(HttpContext context, string db)
    {
        if (await IdAsync(context, db) is not { } id) return;
        bool revs = CouchHttp.Flag(context, "revs"), latest = CouchHttp.Flag(context, "latest"), conflicts = CouchHttp.Flag(context, "conflicts");
        var query = context.Request.Query;
        var leaves = await ClusterCall.RetryAsync(context, () => CouchHttp.Record(context, db, id).GetLeaves(context.RequestAborted).AsTask());
        if (query["open_revs"].FirstOrDefault() is { } openRevs)
        {
            List<string> asked;
            if (openRevs == "all") asked = [.. leaves.Select(l => l.Rev)];
            else
            {
                try
                {
                    asked = JsonNode.Parse(openRevs) is JsonArray a && a.All(r => r is JsonValue v && v.TryGetValue(out string? _))
                        ? [.. a.Select(r => (string)r!)]
                        : throw new CouchRequestException("bad_request", "open_revs must be \"all\" or a JSON array of revisions.");
                }
                catch (JsonException)
                {
                    throw new CouchRequestException("bad_request", "open_revs must be \"all\" or a JSON array of revisions.");
                }
                CouchRevs.CheckFormat(asked);
            }
            var openData = CouchAttachmentData.Asked(context) ? await CouchAttachmentData.LoadAsync(context, db, leaves.Select(l => (id, l))) : null;
            await CouchHttp.WriteAsync(context, 200, w =>
            {
                w.WriteStartArray();
                foreach (var rev in asked) CouchReplicationEndpoints.WriteRevisions(w, id, rev, leaves, revs, latest, missingAsError: false, data: openData);
                w.WriteEndArray();
            });
            return;
        }
        string? wanted = query["rev"].FirstOrDefault();
        var leaf = wanted is null ? leaves.FirstOrDefault() : CouchLeaves.Resolve(leaves, wanted, latest).FirstOrDefault();
        if (leaf is null || wanted is null && leaf.Deleted)
        {
            await ApiResponse.ErrorAsync(context, 404, "not_found", leaf is null ? "missing" : "deleted");
            return;
        }
        var data = CouchAttachmentData.Asked(context) ? await CouchAttachmentData.LoadAsync(context, db, [(id, leaf)]) : null;
        context.Response.Headers.ETag = $"\"{CouchRevs.ToCouch(leaf.Rev)}\"";
        await CouchHttp.WriteAsync(context, 200, w => CouchOutput.WriteLeaf(w, id, leaf, revs, conflicts ? CouchLeaves.Conflicts(leaves) : null, data,
            revsInfo: CouchHttp.Flag(context, "revs_info")));
    }

    private static async Task PutAsync(HttpContext context, string db, bool post)
    {
        string? id;
        if (post) id = await CouchHttp.CheckDatabaseAsync(context, db) ? "" : null;
        else id = await IdAsync(context, db);
        if (id is null) return;
        bool newEdits = context.Request.Query["new_edits"].FirstOrDefault() != "false";
        if (await CouchHttp.ReadJsonAsync(context, CouchHttp.MaxDocumentSize(context) + 4096) is not { } node) return;
        var doc = CouchInput.Parse(node, CouchHttp.MaxDocumentSize(context), needRevisions: !newEdits);
        if (!post && doc.Id is not null && doc.Id != id)
            throw new CouchRequestException("bad_request", $"The body's _id '{ApiResponse.Quote(doc.Id)}' differs from the URL's '{ApiResponse.Quote(id)}'.");
        string? queryRev = context.Request.Query["rev"].FirstOrDefault() is { } text ? CouchRevs.ToOurs(text) : null;
        if (doc.Rev is not null && queryRev is not null && doc.Rev != queryRev)
            throw new CouchRequestException("bad_request", "Document rev from request body and query string have different values");
        doc = doc with { Id = post ? doc.Id ?? DocumentId.NewId() : id, Rev = doc.Rev ?? queryRev };
        var result = await CouchWrites.WriteAsync(context, db, doc, newEdits);
        await WriteAsync(context, result);
    }

    private static async Task DeleteAsync(HttpContext context, string db)
    {
        if (await IdAsync(context, db) is not { } id) return;
        var doc = new CouchInput(id, context.Request.Query["rev"].FirstOrDefault() is { } rev ? CouchRevs.ToOurs(rev) : null, Deleted: true, null, []);
        var result = await CouchWrites.WriteAsync(context, db, doc, newEdits: true);
        await WriteAsync(context, result, okStatus: 200);
    }

    internal static Task WriteAsync(HttpContext context, CouchWriteResult result, int okStatus = 201) => result.Ok
        ? CouchHttp.WriteAsync(context, okStatus, w => CouchBulkDocs.WriteResult(w, result))
        : ApiResponse.ErrorAsync(context, result.Status, result.Error!, result.Reason!);
}
