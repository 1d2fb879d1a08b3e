using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Primitives;
using MyNoSql.Grains.Changes;
using MyNoSql.Silo.Gateway;
using MyNoSql.Storage.Query;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Silo.Couch;

/// <summary>
/// <c>GET</c>/<c>POST /couch/{db}/_changes</c>, CouchDB's shape over the native feed (<see cref="MirrorChangeFeed"/>):
/// <c>{"results":[{"seq","id","changes":[{"rev"}…],"deleted"?,"doc"?}],"last_seq","pending":0}</c>. <c>seq</c> is
/// CouchDB 3's <c>"&lt;number&gt;-&lt;opaque&gt;"</c>: the sum of the 64 segment positions, then the cluster-wide checkpoint
/// token of our 64 index segments (opaque, valid on every mirror and after restarts).
/// <c>since=0|now|seq</c> (each also JSON-quoted), <c>limit</c>, <c>feed=normal|longpoll</c> (with <c>heartbeat</c> newlines and <c>timeout</c>),
/// <c>style=all_docs</c> (every leaf), <c>seq_interval</c>, <c>include_docs</c>, <c>conflicts</c>, <c>filter=_doc_ids</c> (<c>doc_ids</c> in the
/// query as a JSON array or in a POST body) and <c>filter=_selector</c> (Mango; <c>_id</c>/<c>_rev</c> mean our id/rev); <c>filter=ddoc/name</c> is 404 (no design documents).
/// </summary>
internal static class CouchChangesEndpoint
{
    private const int BodyBytes = 16 << 20;
    private const int Chunk = 1000;
    private static readonly byte[] Newline = "\n"u8.ToArray();

    private sealed record Filter(HashSet<string>? DocIds, Selector? Selector, bool AllDocs, bool Conflicts, int SeqInterval);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapMethods("/couch/{db}/_changes", [HttpMethods.Get, HttpMethods.Head], (HttpContext c, string db) => CouchHttp.RunAsync(c, () => ServeAsync(c, db, post: false)));
        app.MapPost("/couch/{db}/_changes", (HttpContext c, string db) => CouchHttp.RunAsync(c, () => ServeAsync(c, db, post: true)));
    }

    private static async Task ServeAsync(HttpContext context, string db, bool post)
    {
        if (!await CouchHttp.CheckDatabaseAsync(context, db)) return;
        var query = context.Request.Query;
        JsonObject? body = null;
        if (post && context.Request.ContentLength != 0)
        {
            if (await CouchHttp.ReadJsonAsync(context, BodyBytes) is not { } node) return;
            body = node as JsonObject ?? throw new CouchRequestException("bad_request", "The _changes body must be a JSON object.");
        }
        string? filterName = query["filter"].FirstOrDefault();
        HashSet<string>? docIds = null;
        Selector? selector = null;
        switch (filterName)
        {
            case null: break;
            case "_doc_ids":
                var ids = body?["doc_ids"] ?? (query["doc_ids"].FirstOrDefault() is { } text ? ParseJson(text, "doc_ids") : null);
                if (ids is not JsonArray array || array.Any(i => i is not JsonValue v || !v.TryGetValue(out string? _)))
                    throw new CouchRequestException("bad_request", "filter=_doc_ids needs doc_ids, a JSON array of strings (query or POST body).");
                docIds = [.. array.Select(i => (string)i!)];
                break;
            case "_selector":
                if (body?["selector"] is not JsonObject s) throw new CouchRequestException("bad_request", "filter=_selector needs a POST body {\"selector\": {...}}.");
                try
                {
                    selector = Selector.Parse(CouchSelector.ToNative(s));
                }
                catch (ArgumentException e)
                {
                    throw new CouchRequestException("bad_request", $"Bad selector: {e.Message}");
                }
                break;
            case "_view":
                // CouchDB: the view's design document must exist, else 404 missing; we hold no design documents.
                if (query["view"].FirstOrDefault() is not { } view || view.IndexOf('/', StringComparison.Ordinal) is not (> 0 and int viewSlash) || viewSlash == view.Length - 1)
                    throw new CouchRequestException("bad_request", "filter=_view needs view=<designname>/<viewname>.");
                throw new CouchRequestException("not_found", "missing");
            case "_design":
                throw new CouchRequestException("bad_request", $"filter '{filterName}' is not supported here (only _doc_ids and _selector).");
            default:
                // designname/filtername: we hold no design documents, so CouchDB's answer for a missing one (PouchDB tests it).
                if (filterName.IndexOf('/', StringComparison.Ordinal) is > 0 and int slash && slash < filterName.Length - 1)
                    throw new CouchRequestException("not_found", "missing");
                throw new CouchRequestException("bad_request", $"filter '{ApiResponse.Quote(filterName)}' must be of the form designname/filtername (or _doc_ids, _selector).");
        }
        string style = query["style"].FirstOrDefault() ?? "main_only";
        if (style is not ("main_only" or "all_docs")) throw new CouchRequestException("bad_request", "style must be main_only or all_docs.");
        int seqInterval = query["seq_interval"].FirstOrDefault() is { } intervalText
            ? int.TryParse(intervalText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n > 0 ? n
                : throw new CouchRequestException("bad_request", "seq_interval must be a positive integer.")
            : 1;
        var filter = new Filter(docIds, selector, style == "all_docs", CouchHttp.Flag(context, "conflicts"), seqInterval);
        // The native parser checks since, limit, include_docs, feed, timeout and heartbeat; CouchDB-only parameters stay here.
        var native = new Dictionary<string, StringValues>(StringComparer.Ordinal);
        foreach (var name in (string[])["since", "limit", "include_docs", "feed", "timeout", "heartbeat"])
            if (query.TryGetValue(name, out var value)) native[name] = value;
        // CouchDB 3's replicator resumes with since=?JSON_ENCODE(Seq): a JSON-quoted seq (or "0", "now") is the same as unquoted.
        if (native.TryGetValue("since", out var sinceText) && Unquoted(sinceText.ToString()) is { } unquoted) native["since"] = unquoted;
        // CouchDB answers limit=0 as limit=1 (couch_changes); the native feed wants a positive limit.
        if (native.TryGetValue("limit", out var limitText) && limitText == "0") native["limit"] = "1";
        bool descending = query["descending"].FirstOrDefault() is { } descendingText
            ? bool.TryParse(descendingText, out bool d) ? d : throw new CouchRequestException("bad_request", "descending must be true or false.")
            : false;
        if (native.TryGetValue("feed", out var feedName) && feedName == "continuous")
            throw new CouchRequestException("bad_request", "feed=continuous is not supported here: use feed=longpoll (README).");
        if (native.TryGetValue("feed", out feedName) && feedName.ToString() is var shown && shown is not (ChangesRequest.Normal or ChangesRequest.LongPoll))
            throw new CouchRequestException("bad_request", $"feed must be normal or longpoll here (got '{ApiResponse.Quote(shown)}').");
        var request = ChangesRequest.Parse(new QueryCollection(native), selector: null, out string? problem)
            ?? throw new CouchRequestException("bad_request", problem!);
        bool now = request.Since == "now";
        var since = new SyncCheckpoint();
        if (!now && request.Since is not (null or "0") && !TryParseSeq(request.Since, out since))
            throw new CouchRequestException("bad_request", $"since must be 0, now or a seq this server issued (got '{ApiResponse.Quote(request.Since)}').");
        var feed = ChangesEndpoints.Feed(context);
        if (descending)
        {
            // CouchDB 3: newest first, since ignored (its note in PouchDB's tests); only a normal feed.
            if (request.Feed != ChangesRequest.Normal) throw new CouchRequestException("bad_request", "descending=true needs feed=normal.");
            var (results, last) = await ReadDescendingAsync(context, db, feed, request, filter);
            await WriteAsync(context, db, results, last, request.IncludeDocs, filter, started: false);
            return;
        }
        if (request.Feed == ChangesRequest.Normal)
        {
            var position = now ? await feed.NowAsync(db, context.RequestAborted) : since;
            var (results, last) = await ReadAsync(context, db, feed, position, request, filter);
            await WriteAsync(context, db, results, last, request.IncludeDocs, filter, started: false);
            return;
        }
        using var subscription = await context.RequestServices.GetRequiredService<ChangeWaiters>().SubscribeAsync(db, context.RequestAborted);
        var at = now ? await feed.NowAsync(db, context.RequestAborted) : since;
        // CouchDB: a heartbeat "overrides any timeout to keep the feed alive indefinitely" (here: up to the longest timeout).
        var wait = request.Heartbeat is null ? request.Timeout : ChangesRequest.MaxTimeout;
        long deadline = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        bool started = false;
        while (true)
        {
            long generation = subscription.Generation;
            var (results, last) = await ReadAsync(context, db, feed, at, request, filter);
            at = last;
            if (results.Count > 0 || ChangesEndpoints.Remaining(deadline) <= TimeSpan.Zero || ChangesEndpoints.Stopping(context).IsCancellationRequested)
            {
                await WriteAsync(context, db, results, at, request.IncludeDocs, filter, started);
                return;
            }
            started |= await ChangesEndpoints.WaitAsync(context, subscription, generation, deadline, request.Heartbeat, Newline, started);
        }
    }

    /// <summary>
    /// Up to the limit of changes that pass the filter after <paramref name="since"/>, and the position after them. Records
    /// /couch does not serve (<see cref="CouchIds"/>) never pass, but the position moves past them, and the feed is read on
    /// until the limit is reached or it ends (an empty batch tells PouchDB's replicator that it is done).
    /// </summary>
    private static async Task<(List<MirrorChange> Results, SyncCheckpoint Last)> ReadAsync(HttpContext context, string db, MirrorChangeFeed feed,
        SyncCheckpoint since, ChangesRequest request, Filter filter)
    {
        var results = new List<MirrorChange>();
        var position = since;
        while (true)
        {
            int ask = filter.DocIds is null ? request.Limit - results.Count : Math.Min(Chunk, request.Limit - results.Count);
            var page = await feed.ReadAsync(db, position, ask, filter.Selector, request.IncludeDocs, context.RequestAborted);
            foreach (var change in page.Results)
            {
                if (!Passes(change, filter)) continue;
                results.Add(change);
                if (results.Count == request.Limit) return (results, SyncCheckpoint.TryParse(change.Seq, out var at) ? at : page.Last);
            }
            position = page.Last;
            if (page.Results.Count < ask) return (results, position);
        }
    }

    /// <summary>
    /// <c>descending=true</c>: the whole feed in reverse order (so the whole feed is read, in memory), filtered, up to the
    /// limit; <c>last_seq</c> is the last result's seq (the oldest one shown), or the current position when none.
    /// </summary>
    private static async Task<(List<MirrorChange> Results, SyncCheckpoint Last)> ReadDescendingAsync(HttpContext context, string db, MirrorChangeFeed feed,
        ChangesRequest request, Filter filter)
    {
        var page = await feed.ReadAsync(db, new SyncCheckpoint(), int.MaxValue, filter.Selector, request.IncludeDocs, context.RequestAborted);
        var results = new List<MirrorChange>(page.Results.Count);
        for (int i = page.Results.Count - 1; i >= 0 && results.Count < request.Limit; i--)
            if (Passes(page.Results[i], filter)) results.Add(page.Results[i]);
        var last = results.Count > 0 && SyncCheckpoint.TryParse(results[^1].Seq, out var at) ? at : page.Last;
        return (results, last);
    }

    private static bool Passes(MirrorChange change, Filter filter) =>
        !CouchIds.IsHidden(change.Id) && (filter.DocIds is null || filter.DocIds.Contains(change.Id));

    private static async Task WriteAsync(HttpContext context, string db, List<MirrorChange> results, SyncCheckpoint last, bool includeDocs, Filter filter, bool started)
    {
        // Leaves are read only for records that keep more than the winner (the index tells), and only when asked for.
        bool needLeaves = filter.AllDocs || includeDocs && filter.Conflicts;
        var leaves = await CouchHttp.ParallelAsync<MirrorChange, Grains.ReplicatedRevision[]?>(results, async change => needLeaves && change.OtherLeaves
            ? await ClusterCall.RetryAsync(context, () => CouchHttp.Record(context, db, change.Id).GetLeaves(context.RequestAborted).AsTask())
            : null, context.RequestAborted);
        var json = CouchOutput.Bytes(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("results");
            for (int i = 0; i < results.Count; i++)
            {
                var change = results[i];
                var all = leaves[i];
                w.WriteStartObject();
                // seq_interval=N (CouchDB 2+, sent by PouchDB's replicator): a seq on every Nth result and the last, null between.
                if ((i + 1) % filter.SeqInterval == 0 || i == results.Count - 1) w.WriteString("seq", Seq(change.Seq));
                else w.WriteNull("seq");
                w.WriteString("id", change.Id);
                w.WriteStartArray("changes");
                if (filter.AllDocs && all is not null)
                    foreach (var leaf in all) { w.WriteStartObject(); w.WriteString("rev", CouchRevs.ToCouch(leaf.Rev)); w.WriteEndObject(); }
                else { w.WriteStartObject(); w.WriteString("rev", CouchRevs.ToCouch(change.Rev)); w.WriteEndObject(); }
                w.WriteEndArray();
                if (change.Deleted) w.WriteBoolean("deleted", true);
                if (includeDocs)
                {
                    w.WritePropertyName("doc");
                    var conflicts = filter.Conflicts && all is not null ? all.Skip(1).Where(l => !l.Deleted).Select(l => l.Rev).ToList() : null;
                    if (change.Doc is null) CouchOutput.WriteDoc(w, change.Id, change.Rev, deleted: true, [], ancestry: null);
                    else CouchOutput.WriteNative(w, new Grains.DocumentReply(change.Id, change.Rev, change.Doc), conflicts);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("last_seq", Seq(last));
            w.WriteNumber("pending", 0);
            w.WriteEndObject();
        });
        if (!started)
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = ApiResponse.JsonType;
            context.Response.ContentLength = json.Length;
        }
        await context.Response.Body.WriteAsync(json, context.RequestAborted);
    }

    /// <summary>
    /// CouchDB 3's seq shape, <c>"&lt;number&gt;-&lt;opaque&gt;"</c>: the number is the sum of the 64 segment sequences
    /// (it grows with every change; clients such as PouchDB parse it), the opaque part the checkpoint token.
    /// </summary>
    internal static string Seq(SyncCheckpoint position) => Seq(position, position.ToToken());

    private static string Seq(string token) => SyncCheckpoint.TryParse(token, out var position) ? Seq(position, token) : token;

    private static string Seq(SyncCheckpoint position, string token)
    {
        long number = 0;
        for (int s = 0; s < SyncCheckpoint.Segments; s++) number += position.Sequence(s);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{number}-{token}");
    }

    /// <summary>A <c>since</c>: <c>"&lt;number&gt;-&lt;token&gt;"</c> (<see cref="Seq(SyncCheckpoint)"/>) or the bare token
    /// (a token never starts with a digit: v2 tokens start with <c>A</c>, Orleans ones with <c>o1.</c>).</summary>
    internal static bool TryParseSeq(string text, out SyncCheckpoint position)
    {
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0 && text.AsSpan(0, dash).ContainsAnyExceptInRange('0', '9') is false) text = text[(dash + 1)..];
        return SyncCheckpoint.TryParse(text, out position) && text.Length > 0;
    }

    /// <summary>The string a JSON-quoted <c>since</c> holds (<c>"\"12-abc\""</c> → <c>12-abc</c>); null when it is not one.</summary>
    internal static string? Unquoted(string text)
    {
        if (text.Length < 2 || text[0] != '"' || text[^1] != '"') return null;
        try
        {
            return JsonNode.Parse(text) is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonNode? ParseJson(string text, string what)
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
