using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Grains;
using MyNoSql.Silo.Gateway;
using MyNoSql.Storage.Index;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Silo.Couch;

/// <summary>
/// <c>GET</c>/<c>POST /couch/{db}/_all_docs</c>: <c>{"total_rows","offset","rows":[{"id","key","value":{"rev"},"doc"?}]}</c>
/// in id order (ordinal UTF-16, as our listing). <c>keys</c> (query JSON or POST body) answers those ids in the order
/// given (deleted: <c>value.deleted</c>, <c>doc</c> null; unknown: <c>{"key","error":"not_found"}</c>); otherwise live
/// ids from <c>startkey</c>/<c>start_key</c> to <c>endkey</c>/<c>end_key</c> (<c>inclusive_end</c>), <c>skip</c>,
/// <c>limit</c>, <c>key</c> (the range [key, key]); <c>include_docs</c>, <c>conflicts</c>, <c>update_seq</c>. <c>total_rows</c> is
/// the live document count of this mirror's copy. <c>descending=true</c> is not supported (400).
/// </summary>
internal static class CouchAllDocs
{
    private const int Page = 1000;

    public static async Task ServeAsync(HttpContext context, string db, bool post)
    {
        if (!await CouchHttp.CheckDatabaseAsync(context, db)) return;
        var query = context.Request.Query;
        JsonNode? keys = query["keys"].FirstOrDefault() is { } keysText ? Parse(keysText, "keys") : null;
        if (post && context.Request.ContentLength != 0)
        {
            if (await CouchHttp.ReadJsonAsync(context, CouchHttp.BatchBytes) is not { } node) return;
            keys = (node as JsonObject)?["keys"] ?? keys;
        }
        bool includeDocs = CouchHttp.Flag(context, "include_docs"), conflicts = CouchHttp.Flag(context, "conflicts");
        if (CouchHttp.Flag(context, "descending")) throw new CouchRequestException("bad_request", "descending=true is not supported by _all_docs here.");
        int limit = Number(context, "limit", int.MaxValue), skip = Number(context, "skip", 0);
        List<string> ids;
        // Without docs, a range's rows come from the index segments' entries: no record is read (or activated).
        Dictionary<string, IndexEntryInfo>? listed = null;
        if (keys is not null)
        {
            if (keys is not JsonArray array || array.Any(k => k is not JsonValue v || !v.TryGetValue(out string? _)))
                throw new CouchRequestException("bad_request", "keys must be a JSON array of strings.");
            ids = [.. array.Select(k => (string)k!).Skip(skip).Take(limit)];
        }
        else
        {
            // key=K is the range [K, K] (CouchDB's rule for views and _all_docs).
            string? key = Key(context, "key", "key");
            string? start = key ?? Key(context, "startkey", "start_key"), end = key ?? Key(context, "endkey", "end_key");
            bool inclusiveEnd = key is not null || query["inclusive_end"].FirstOrDefault() != "false";
            var entries = await RangeAsync(context, db, start, end, inclusiveEnd, skip, limit);
            ids = [.. entries.Select(e => e.Id)];
            if (!includeDocs) listed = entries.ToDictionary(e => e.Id, StringComparer.Ordinal);
        }
        var leaves = listed is null ? await CouchReplicationEndpoints.LeavesOfAsync(context, db, ids) : null;
        // total_rows is the database's live document count, as CouchDB reports it (PouchDB's allDocs shows it), not the page's.
        long total = (await CouchEndpoints.CountsAsync(context, db)).Live;
        var updateSeq = CouchHttp.Flag(context, "update_seq") ? await ChangesEndpoints.Feed(context).NowAsync(db, context.RequestAborted) : null;
        await CouchHttp.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("total_rows", total);
            w.WriteNumber("offset", skip);
            if (updateSeq is not null) w.WriteString("update_seq", CouchChangesEndpoint.Seq(updateSeq));
            w.WriteStartArray("rows");
            foreach (string id in ids)
            {
                w.WriteStartObject();
                if (listed is not null)
                {
                    var entry = listed[id];
                    WriteRow(w, id, entry.Rev, entry.Deleted);
                    w.WriteEndObject();
                    continue;
                }
                var held = leaves!.GetValueOrDefault(id);
                if (held is not { Length: > 0 })
                {
                    w.WriteString("key", id);
                    w.WriteString("error", "not_found");
                    w.WriteEndObject();
                    continue;
                }
                var winner = held[0];
                WriteRow(w, id, winner.Rev, winner.Deleted);
                if (includeDocs)
                {
                    if (winner.Deleted) w.WriteNull("doc");
                    else
                    {
                        w.WritePropertyName("doc");
                        CouchOutput.WriteLeaf(w, id, winner, revs: false, conflicts ? CouchLeaves.Conflicts(held) : null);
                    }
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static void WriteRow(Utf8JsonWriter w, string id, string rev, bool deleted)
    {
        w.WriteString("id", id);
        w.WriteString("key", id);
        w.WriteStartObject("value");
        w.WriteString("rev", CouchRevs.ToCouch(rev));
        if (deleted) w.WriteBoolean("deleted", true);
        w.WriteEndObject();
    }

    /// <summary>
    /// Live ids' index entries in [start, end] (ordinal), after skipping <paramref name="skip"/>, at most
    /// <paramref name="limit"/>; ids /couch does not serve (<see cref="CouchIds"/>) are left out (asked by key they are
    /// not_found: <see cref="CouchReplicationEndpoints.LeavesOfAsync"/>). The 64 segments' sorted pages are merged, each
    /// segment asked for its next page only once the merge used up its last one.
    /// </summary>
    private static async Task<List<IndexEntryInfo>> RangeAsync(HttpContext context, string db, string? start, string? end, bool inclusiveEnd, int skip, int limit)
    {
        var grains = CouchHttp.Grains(context);
        var entries = new List<IndexEntryInfo>();
        long wanted = limit == int.MaxValue ? long.MaxValue : (long)skip + limit;
        if (wanted == 0) return entries;
        // The listing is exclusive of "after": a live start key itself comes first.
        if (start is not null && CouchReplicationEndpoints.IsValidId(start) && !CouchIds.IsHidden(start)
            && await ClusterCall.RetryAsync(context, () => grains.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(db, IndexSegment.SegmentOf(start))).Get(start, context.RequestAborted).AsTask())
                is { Deleted: false } first
            && (end is null || string.CompareOrdinal(start, end) is var c && (c < 0 || c == 0 && inclusiveEnd)))
            entries.Add(first);
        if (start is not null && end is not null && string.CompareOrdinal(start, end) >= 0) return [.. entries.Skip(skip).Take(limit)];
        int page = (int)Math.Min(Page, Math.Max(wanted, 1));
        Task<EntryPage> Fetch(int segment, string? after) => ClusterCall.RetryAsync(context, () =>
            grains.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(db, segment)).ListEntries("", after, page, context.RequestAborted).AsTask());
        var pages = await Task.WhenAll(Enumerable.Range(0, SyncCheckpoint.Segments).Select(s => Fetch(s, start)));
        var positions = new int[pages.Length];
        var heads = new PriorityQueue<int, string>(StringComparer.Ordinal);
        for (int s = 0; s < pages.Length; s++)
            if (pages[s].Entries.Length > 0) heads.Enqueue(s, pages[s].Entries[0].Id);
        while (entries.Count < wanted && heads.TryDequeue(out int segment, out string? id))
        {
            int cmp = end is null ? -1 : string.CompareOrdinal(id, end);
            if (cmp > 0 || cmp == 0 && !inclusiveEnd) break;
            var current = pages[segment];
            if (!CouchIds.IsHidden(id)) entries.Add(current.Entries[positions[segment]]);
            if (++positions[segment] == current.Entries.Length)
            {
                if (!current.HasMore) continue;
                pages[segment] = current = await Fetch(segment, id);
                positions[segment] = 0;
                if (current.Entries.Length == 0) continue;
            }
            heads.Enqueue(segment, current.Entries[positions[segment]].Id);
        }
        return [.. entries.Skip(skip).Take(limit)];
    }

    private static string? Key(HttpContext context, string name, string alias)
    {
        string? text = context.Request.Query[name].FirstOrDefault() ?? context.Request.Query[alias].FirstOrDefault();
        if (text is null) return null;
        return Parse(text, name) is JsonValue v && v.TryGetValue(out string? key) ? key : throw new CouchRequestException("bad_request", $"{name} must be a JSON string.");
    }

    private static int Number(HttpContext context, string name, int fallback)
    {
        string? text = context.Request.Query[name].FirstOrDefault();
        if (text is null) return fallback;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n
            : throw new CouchRequestException("bad_request", $"{name} must be a non-negative integer (got '{ApiResponse.Quote(text)}').");
    }

    private static JsonNode? Parse(string text, string what)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new CouchRequestException("bad_request", $"{what} is not JSON: {e.Message}");
        }
    }
}
