using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Grains;
using MyNoSql.Silo.Gateway;

namespace MyNoSql.Silo.Couch;

/// <summary>
/// The replicator's batch routes: <c>POST /couch/{db}/_revs_diff</c> (<c>{id:[revs]}</c> → <c>{id:{"missing","possible_ancestors"}}</c>)
/// and <c>POST /couch/{db}/_bulk_get?revs=true&amp;latest=true</c> (<c>{"docs":[{"id","rev"?}]}</c> →
/// <c>{"results":[{"id","docs":[{"ok":doc}|{"error":{…}}]}]}</c>); <c>_bulk_docs</c> is <see cref="CouchBulkDocs"/>.
/// </summary>
internal static class CouchReplicationEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/couch/{db}/_revs_diff", (HttpContext c, string db) => CouchHttp.RunAsync(c, () => RevsDiffAsync(c, db)));
        app.MapPost("/couch/{db}/_bulk_get", (HttpContext c, string db) => CouchHttp.RunAsync(c, () => BulkGetAsync(c, db)));
        app.MapPost("/couch/{db}/_bulk_docs", (HttpContext c, string db) => CouchHttp.RunAsync(c, () => CouchBulkDocs.ServeAsync(c, db)));
    }

    /// <summary>The leaves of each distinct id, read in parallel; absent for an id we cannot hold or do not serve here
    /// (<see cref="CouchIds.IsHidden"/>), which the callers then report as missing.</summary>
    internal static async Task<Dictionary<string, ReplicatedRevision[]>> LeavesOfAsync(HttpContext context, string db, IEnumerable<string> ids)
    {
        var distinct = ids.Distinct(StringComparer.Ordinal).Where(id => IsValidId(id) && !CouchIds.IsHidden(id)).ToList();
        var leaves = await CouchHttp.ParallelAsync(distinct, id =>
            ClusterCall.RetryAsync(context, () => CouchHttp.Record(context, db, id).GetLeaves(context.RequestAborted).AsTask()), context.RequestAborted);
        var map = new Dictionary<string, ReplicatedRevision[]>(StringComparer.Ordinal);
        for (int i = 0; i < distinct.Count; i++) map[distinct[i]] = leaves[i];
        return map;
    }

    internal static bool IsValidId(string id)
    {
        try
        {
            Storage.Documents.DocumentId.Validate(id);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task RevsDiffAsync(HttpContext context, string db)
    {
        if (!await CouchHttp.CheckDatabaseAsync(context, db)) return;
        if (await CouchHttp.ReadJsonAsync(context, CouchHttp.BatchBytes) is not { } node) return;
        if (node is not JsonObject request) throw new CouchRequestException("bad_request", "_revs_diff needs a JSON object {id: [rev, ...]}.");
        var asked = new List<(string Id, List<string> Revs)>();
        foreach (var (id, revs) in request)
        {
            if (revs is not JsonArray array || array.Any(r => r is not JsonValue v || !v.TryGetValue(out string? _)))
                throw new CouchRequestException("bad_request", $"_revs_diff: the revisions of '{ApiResponse.Quote(id)}' must be an array of strings.");
            asked.Add((id, [.. array.Select(r => (string)r!)]));
            CouchRevs.CheckFormat(asked[^1].Revs);
        }
        var leaves = await LeavesOfAsync(context, db, asked.Select(a => a.Id));
        var data = CouchAttachmentData.Asked(context) ? await CouchAttachmentData.LoadAsync(context, db, leaves.SelectMany(e => e.Value.Select(l => (e.Key, l)))) : null;
        await CouchHttp.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            foreach (var (id, revs) in asked)
            {
                var held = leaves.GetValueOrDefault(id) ?? [];
                var missing = revs.Where(r => !CouchLeaves.Knows(held, r)).Distinct(StringComparer.Ordinal).ToList();
                if (missing.Count == 0) continue;
                w.WriteStartObject(id);
                w.WriteStartArray("missing");
                foreach (var r in missing) w.WriteStringValue(r);
                w.WriteEndArray();
                int newest = missing.Max(r => Storage.Documents.Revision.TryParse(CouchRevs.ToOurs(r), out var p) ? p.Generation : int.MaxValue);
                var ancestors = held.Where(l => CouchOutput.GenerationOf(l.Rev) < newest).Select(l => l.Rev).ToList();
                if (ancestors.Count > 0)
                {
                    w.WriteStartArray("possible_ancestors");
                    foreach (var r in ancestors) w.WriteStringValue(CouchRevs.ToCouch(r));
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        });
    }

    private static async Task BulkGetAsync(HttpContext context, string db)
    {
        if (!await CouchHttp.CheckDatabaseAsync(context, db)) return;
        bool revs = CouchHttp.Flag(context, "revs"), latest = CouchHttp.Flag(context, "latest");
        if (await CouchHttp.ReadJsonAsync(context, CouchHttp.BatchBytes) is not { } node) return;
        if (node is not JsonObject { } request || request["docs"] is not JsonArray docs)
            throw new CouchRequestException("bad_request", "_bulk_get needs a body {\"docs\": [{\"id\", \"rev\"?}, ...]}.");
        var asked = new List<(string Id, string? Rev)>();
        foreach (var item in docs)
        {
            if (item is not JsonObject o || o["id"] is not JsonValue iv || !iv.TryGetValue(out string? id))
                throw new CouchRequestException("bad_request", "_bulk_get: every entry needs a string \"id\".");
            string? rev = o["rev"] is JsonValue rv && rv.TryGetValue(out string? r) ? r : null;
            asked.Add((id, rev));
        }
        var leaves = await LeavesOfAsync(context, db, asked.Select(a => a.Id));
        var data = CouchAttachmentData.Asked(context) ? await CouchAttachmentData.LoadAsync(context, db, leaves.SelectMany(e => e.Value.Select(l => (e.Key, l)))) : null;
        await CouchHttp.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("results");
            foreach (var (id, rev) in asked)
            {
                w.WriteStartObject();
                w.WriteString("id", id);
                w.WriteStartArray("docs");
                WriteRevisions(w, id, rev, leaves.GetValueOrDefault(id) ?? [], revs, latest, data: data);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// The <c>{"ok":doc}</c> entries <paramref name="rev"/> names (the winner when null), or one <c>{"error":…}</c>. Shared
    /// by <c>_bulk_get</c> and <c>open_revs</c>, whose entries differ only in the missing case (<paramref name="missingAsError"/>).
    /// </summary>
    internal static void WriteRevisions(Utf8JsonWriter w, string id, string? rev, IReadOnlyList<ReplicatedRevision> leaves, bool revs, bool latest,
        bool missingAsError = true, IReadOnlyDictionary<string, byte[]>? data = null)
    {
        var found = rev is null
            ? leaves.Count > 0 && !leaves[0].Deleted ? [leaves[0]] : []
            : CouchLeaves.Resolve(leaves, rev, latest);
        if (found.Count == 0)
        {
            w.WriteStartObject();
            if (missingAsError)
            {
                w.WriteStartObject("error");
                w.WriteString("id", id);
                w.WriteString("rev", rev ?? "undefined");
                w.WriteString("error", "not_found");
                w.WriteString("reason", rev is null && leaves.Count > 0 ? "deleted" : "missing");
                w.WriteEndObject();
            }
            else w.WriteString("missing", rev);
            w.WriteEndObject();
            return;
        }
        foreach (var leaf in found)
        {
            w.WriteStartObject();
            w.WritePropertyName("ok");
            CouchOutput.WriteLeaf(w, id, leaf, revs, data: data);
            w.WriteEndObject();
        }
    }
}
