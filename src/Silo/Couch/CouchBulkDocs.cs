using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Silo.Couch;

/// <summary>
/// <c>POST /couch/{db}/_bulk_docs</c> <c>{"docs":[…],"new_edits":true|false}</c>. Every document is checked first: a
/// malformed one gets its own error entry and is not written, the others are. Documents of different ids are written in
/// parallel, those of one id in the order given. Answer 201: with <c>new_edits</c> (the default) one entry per document,
/// <c>{"ok":true,"id","rev"}</c> or <c>{"id","error","reason"}</c>; with <c>new_edits=false</c>, as CouchDB, only the
/// entries of documents that failed (an empty array when all were stored), each as <c>"error":"forbidden"</c> (with
/// <c>"name":"forbidden"</c>) and the specific code at the start of the reason.
/// </summary>
internal static class CouchBulkDocs
{
    public static async Task ServeAsync(HttpContext context, string db)
    {
        if (!await CouchHttp.CheckDatabaseAsync(context, db)) return;
        if (await CouchHttp.ReadJsonAsync(context, CouchHttp.BatchBytes) is not { } node) return;
        if (node is not JsonObject request || request["docs"] is not JsonArray docs)
            throw new CouchRequestException("bad_request", "POST body must include `docs` parameter.");
        bool newEdits = request["new_edits"] switch
        {
            null => true,
            JsonValue v when v.TryGetValue(out bool b) => b,
            _ => throw new CouchRequestException("bad_request", "new_edits must be a boolean."),
        };
        int max = CouchHttp.MaxDocumentSize(context);
        var results = new CouchWriteResult?[docs.Count];
        var inputs = new CouchInput?[docs.Count];
        for (int i = 0; i < docs.Count; i++)
        {
            try
            {
                var input = CouchInput.Parse(docs[i], max, needRevisions: !newEdits);
                if (input.Id is null)
                {
                    if (!newEdits) throw new CouchRequestException("bad_request", "new_edits=false needs an _id on every document.");
                    input = input with { Id = DocumentId.NewId() };
                }
                inputs[i] = input;
            }
            catch (CouchRequestException e)
            {
                string? id = docs[i] is JsonObject o && o["_id"] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
                results[i] = new CouchWriteResult(id ?? "", null, e.Error, e.Message);
            }
        }
        var groups = Enumerable.Range(0, docs.Count).Where(i => inputs[i] is not null).GroupBy(i => inputs[i]!.Id!, StringComparer.Ordinal).ToList();
        await CouchHttp.ParallelAsync(groups, async group =>
        {
            foreach (int i in group) results[i] = await CouchWrites.WriteAsync(context, db, inputs[i]!, newEdits);
            return 0;
        }, context.RequestAborted);
        // A replicator (new_edits=false) skips a document refused as "forbidden" (PouchDB emits "denied", as for CouchDB's
        // validate_doc_update) and aborts on any other error: a document we can never store must not stop replication.
        if (!newEdits)
            for (int i = 0; i < results.Length; i++)
                if (results[i] is { Ok: false } r) results[i] = r with { Error = "forbidden", Reason = $"{r.Error}: {r.Reason}" };
        await CouchHttp.WriteAsync(context, 201, w =>
        {
            w.WriteStartArray();
            foreach (var r in results)
            {
                if (r is null || !newEdits && r.Ok) continue;
                WriteResult(w, r);
            }
            w.WriteEndArray();
        });
    }

    /// <summary><c>{"ok":true,"id","rev"}</c> or <c>{"id","rev"?,"error","reason"}</c>.</summary>
    public static void WriteResult(System.Text.Json.Utf8JsonWriter w, CouchWriteResult r)
    {
        w.WriteStartObject();
        if (r.Ok) w.WriteBoolean("ok", true);
        w.WriteString("id", r.Id);
        if (r.Rev is not null) w.WriteString("rev", CouchRevs.ToCouch(r.Rev));
        if (!r.Ok)
        {
            w.WriteString("error", r.Error);
            w.WriteString("reason", r.Reason);
            if (r.Error == "forbidden") w.WriteString("name", "forbidden"); // PouchDB's replicator reads error.name
        }
        w.WriteEndObject();
    }
}
