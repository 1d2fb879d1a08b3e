using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Changes;
using MyNoSql.Grains.Sync;
using MyNoSql.Silo.Configuration;
using MyNoSql.Storage.Query;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// The change feed (DESIGN §7), CouchDB style: <c>GET /db/{db}/_changes?since=S&amp;limit=N&amp;include_docs=true&amp;
/// feed=normal|longpoll|eventsource&amp;timeout=MS&amp;heartbeat=MS</c>, or <c>POST</c> with <c>{"selector": {...}}</c>
/// for a filtered feed → <c>{"results":[{"seq","id","rev","deleted"?,"doc"?}],"last_seq"}</c>.
/// <list type="bullet">
/// <item><c>since</c>: absent or <c>0</c> the start, <c>now</c> the current end, else a seq this cluster issued (sync
/// checkpoint tokens: the same on every mirror, valid after restarts; see <see cref="MirrorChangeFeed"/>).</item>
/// <item><c>longpoll</c> answers as soon as a change exists, else at the timeout with no results and last_seq = since
/// (advanced past filtered-out changes); with <c>heartbeat</c> it writes a newline every period while it waits.</item>
/// <item><c>eventsource</c>: <c>text/event-stream</c>, one <c>data: {change}</c> + <c>id: seq</c> event per change and
/// a comment every heartbeat (default 60 s), until the timeout, <c>limit</c> changes, or the client goes away.</item>
/// </list>
/// Waiting is notification-driven (<see cref="ChangeWaiters"/>: one wait per database per silo, woken by the index
/// segments through the database's change notifier grain), never polling. Errors: 400 <c>bad_request</c> naming the
/// parameter, 400 <c>bad_query</c> for a bad selector, 415 for a POST body neither sent as nor parsing as JSON, 413 over 1 MiB.
/// </summary>
internal static class ChangesEndpoints
{
    private const int BodyBytes = 1 << 20;
    private const int StreamPage = 1000;
    private static readonly byte[] Newline = "\n"u8.ToArray();
    private static readonly byte[] SseHeartbeat = ":heartbeat\n\n"u8.ToArray();

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/db/{db}/_changes", (HttpContext context, string db) => ServeAsync(context, db, post: false));
        app.MapPost("/db/{db}/_changes", (HttpContext context, string db) => ServeAsync(context, db, post: true));
    }

    private static async Task ServeAsync(HttpContext context, string db, bool post)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return;
        Selector? selector = null;
        if (post)
        {
            var body = await RequestBody.ReadJsonAsync(context, BodyBytes, $"A _changes body is at most {BodyBytes} bytes.", "The body must be {\"selector\": {...}}");
            if (body is null) return;
            try
            {
                selector = ChangesRequest.ParseBody(body);
            }
            catch (FormatException e)
            {
                await ApiResponse.ErrorAsync(context, 400, "bad_request", e.Message);
                return;
            }
            catch (ArgumentException e)
            {
                await ApiResponse.ErrorAsync(context, 400, "bad_query", $"Bad selector: {ApiResponse.Reason(e)}");
                return;
            }
        }
        var request = ChangesRequest.Parse(context.Request.Query, selector, out string? problem);
        if (request is null)
        {
            await ApiResponse.ErrorAsync(context, 400, "bad_request", problem!);
            return;
        }
        bool now = request.Since == "now";
        var since = new SyncCheckpoint();
        if (!now && request.Since is not (null or "0") && !SyncCheckpoint.TryParse(request.Since, out since))
        {
            await ApiResponse.ErrorAsync(context, 400, "bad_request", $"since must be 0, now or a seq this cluster issued (got '{ApiResponse.Quote(request.Since)}').");
            return;
        }
        var feed = Feed(context);
        var cancellationToken = context.RequestAborted;
        if (request.Feed == ChangesRequest.Normal)
        {
            var position = now ? await feed.NowAsync(db, cancellationToken) : since;
            await NormalAsync(context, db, request, feed, position);
            return;
        }
        // Subscribe before reading the position: a change recorded after it wakes this feed.
        using var subscription = await context.RequestServices.GetRequiredService<ChangeWaiters>().SubscribeAsync(db, cancellationToken);
        var start = now ? await feed.NowAsync(db, cancellationToken) : since;
        if (request.Feed == ChangesRequest.LongPoll) await LongPollAsync(context, db, request, feed, subscription, start);
        else await EventSourceAsync(context, db, request, feed, subscription, start);
    }

    /// <summary>
    /// A normal feed: one page answered with its length; a feed longer than a page is streamed a page at a time (chunked),
    /// so a whole large database is never held in memory and its first rows leave at once.
    /// </summary>
    private static async Task NormalAsync(HttpContext context, string db, ChangesRequest request, MirrorChangeFeed feed, SyncCheckpoint position)
    {
        var cancellationToken = context.RequestAborted;
        int ask = Math.Min(request.Limit, StreamPage);
        var page = await feed.ReadAsync(db, position, ask, request.Selector, request.IncludeDocs, cancellationToken);
        if (page.Results.Count < ask || request.Limit <= StreamPage)
        {
            await WriteResultsAsync(context, page.Results, page.Last, started: false);
            return;
        }
        StartStream(context, ApiResponse.JsonType);
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        buffer.Write("{\"results\":["u8);
        int sent = 0;
        while (true)
        {
            foreach (var change in page.Results)
            {
                if (sent++ > 0) buffer.Write(","u8);
                using var writer = Writer(buffer);
                WriteChange(writer, change);
            }
            await context.Response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken);
            buffer.Clear();
            ask = Math.Min(request.Limit - sent, StreamPage);
            if (ask == 0 || page.Results.Count < StreamPage) break;
            page = await feed.ReadAsync(db, page.Last, ask, request.Selector, request.IncludeDocs, cancellationToken);
        }
        buffer.Write("],\"last_seq\":"u8);
        using (var writer = Writer(buffer)) writer.WriteStringValue(page.Last.ToToken());
        buffer.Write("}"u8);
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken);
    }

    private static async Task LongPollAsync(HttpContext context, string db, ChangesRequest request, MirrorChangeFeed feed, ChangeWaiters.Subscription subscription, SyncCheckpoint position)
    {
        var cancellationToken = context.RequestAborted;
        long deadline = Stopwatch.GetTimestamp() + (long)(request.Timeout.TotalSeconds * Stopwatch.Frequency);
        bool started = false;
        while (true)
        {
            long generation = subscription.Generation;
            var page = await feed.ReadAsync(db, position, request.Limit, request.Selector, request.IncludeDocs, cancellationToken);
            position = page.Last;
            if (page.Results.Count > 0 || Remaining(deadline) <= TimeSpan.Zero || Stopping(context).IsCancellationRequested)
            {
                await WriteResultsAsync(context, page.Results, position, started);
                return;
            }
            started |= await WaitAsync(context, subscription, generation, deadline, request.Heartbeat, Newline, started);
        }
    }

    private static async Task EventSourceAsync(HttpContext context, string db, ChangesRequest request, MirrorChangeFeed feed, ChangeWaiters.Subscription subscription, SyncCheckpoint position)
    {
        var cancellationToken = context.RequestAborted;
        long deadline = Stopwatch.GetTimestamp() + (long)(request.Timeout.TotalSeconds * Stopwatch.Frequency);
        StartStream(context, "text/event-stream");
        await context.Response.Body.FlushAsync(cancellationToken);
        int sent = 0;
        while (sent < request.Limit)
        {
            long generation = subscription.Generation;
            var page = await feed.ReadAsync(db, position, request.Limit - sent, request.Selector, request.IncludeDocs, cancellationToken);
            position = page.Last;
            if (page.Results.Count > 0)
            {
                var buffer = new ArrayBufferWriter<byte>(1024);
                foreach (var change in page.Results)
                {
                    buffer.Write("data: "u8);
                    using (var writer = Writer(buffer)) WriteChange(writer, change);
                    buffer.Write("\nid: "u8);
                    buffer.Write(Encoding.UTF8.GetBytes(change.Seq));
                    buffer.Write("\n\n"u8);
                }
                await context.Response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken);
                await context.Response.Body.FlushAsync(cancellationToken);
                sent += page.Results.Count;
                continue;
            }
            if (Remaining(deadline) <= TimeSpan.Zero || Stopping(context).IsCancellationRequested) return;
            await WaitAsync(context, subscription, generation, deadline, request.Heartbeat, SseHeartbeat, started: true);
        }
    }

    /// <summary>
    /// Waits for a wake-up, the deadline or the mirror stopping, writing <paramref name="beat"/> every heartbeat meanwhile
    /// (starting the response first when needed). Returns whether the response has started.
    /// </summary>
    internal static async Task<bool> WaitAsync(HttpContext context, ChangeWaiters.Subscription subscription, long generation, long deadline, TimeSpan? heartbeat, byte[] beat, bool started)
    {
        // A stopping mirror ends its waits (longpolls answer, streams end) instead of holding up its shutdown.
        var stopping = Stopping(context);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        while (true)
        {
            var remaining = Remaining(deadline);
            if (remaining <= TimeSpan.Zero) return started;
            var slice = heartbeat is { } h && h < remaining ? h : remaining;
            try
            {
                if (await subscription.WaitAsync(generation, slice, wait.Token)) return started;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
            {
                return started;
            }
            if (slice == remaining) return started;
            if (!started)
            {
                StartStream(context, ApiResponse.JsonType);
                started = true;
            }
            await context.Response.Body.WriteAsync(beat, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }

    private static async Task WriteResultsAsync(HttpContext context, IReadOnlyList<MirrorChange> results, SyncCheckpoint last, bool started)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = Writer(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("results");
            foreach (var change in results) WriteChange(w, change);
            w.WriteEndArray();
            w.WriteString("last_seq", last.ToToken());
            w.WriteEndObject();
        }
        if (!started)
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = ApiResponse.JsonType;
            context.Response.ContentLength = buffer.WrittenCount;
        }
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    private static void WriteChange(Utf8JsonWriter w, MirrorChange change)
    {
        w.WriteStartObject();
        w.WriteString("seq", change.Seq);
        w.WriteString("id", change.Id);
        w.WriteString("rev", change.Rev);
        if (change.Deleted) w.WriteBoolean("deleted", true);
        if (change.Doc is not null)
        {
            w.WritePropertyName("doc");
            w.WriteRawValue(change.Doc, skipInputValidation: true);
        }
        w.WriteEndObject();
    }

    private static Utf8JsonWriter Writer(IBufferWriter<byte> buffer) =>
        new(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    internal static void StartStream(HttpContext context, string contentType)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = contentType;
        context.Response.Headers.CacheControl = "no-cache";
    }

    internal static CancellationToken Stopping(HttpContext context) =>
        context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

    internal static TimeSpan Remaining(long deadline) => Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);

    /// <summary>The feed of a request: sync-service paging and record reads, retried while a lost mirror fails over.</summary>
    internal static MirrorChangeFeed Feed(HttpContext context)
    {
        var services = context.RequestServices;
        var limit = TimeSpan.FromSeconds(services.GetRequiredService<IOptions<MirrorOptions>>().Value.UnavailableRetrySeconds);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClusterCall).FullName!);
        return new MirrorChangeFeed(SyncEndpoints.Service(context), services.GetRequiredService<IGrainFactory>(),
            new UnavailableRetryPolicy(limit, logger, $"{context.Request.Method} {context.Request.Path}", bounded: true));
    }
}
