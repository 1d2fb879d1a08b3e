using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using MyNoSql.Grains;
using MyNoSql.Grains.Sync;
using MyNoSql.Storage.Sync;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// The sync protocol (ours to design, DESIGN §4): a peer polls index changes since its checkpoint, fetches the
/// records it lacks and pushes its outbox, each as one request.
/// <list type="bullet">
/// <item><c>GET /db/{db}/sync/changes?since=CHECKPOINT&amp;limit=N&amp;prefix=P…</c> → <c>{"checkpoint":…|null,"more":bool,
/// "horizon":seconds,"changes":[{"id","rev","deleted"?,"conflicts"?}]}</c>; a null checkpoint means nothing changed
/// (keep yours); a peer that has not pulled for longer than the horizon must pull from the start; with
/// <c>prefix</c> (repeatable) only ids starting with one of them are listed.</item>
/// <item><c>POST /db/{db}/sync/fetch</c> (JSON array, at most 1000, of ids or <c>{"id","rev"?,"whole"?}</c>: the revision
/// the peer holds, so the record comes relative to it — delta sync; <c>"whole":true</c> or no rev: whole; the body may be
/// Brotli-compressed, <c>Content-Encoding: br</c>, at most 1 MiB either way) → record batch
/// of those records, in the order asked, ending early once about 16 MiB of content is in it (ask again for the ids not
/// answered).</item>
/// <item><c>POST /db/{db}/sync/push</c> (record batch, at most 64 MiB sent and 64 MiB decoded, else 413) →
/// <c>{"results":[{"id","rev","status"}]}</c>, status one of accepted, known, conflict (kept as a conflict:
/// acknowledged), invalid, quorum_unavailable (retry later), need_whole (sent relative to a base this mirror lacks: send
/// it whole).</item>
/// </list>
/// Record batches are <see cref="SyncBatch.MediaType"/> (Brotli; every leaf with its ancestry, or relative to a base the receiver holds). This layer only parses
/// and validates requests and writes answers: the protocol itself is <see cref="SyncService"/>, shared with the sync grain.
/// </summary>
internal static class SyncEndpoints
{
    private const int FetchBodyBytes = 1 << 20;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/db/{db}/sync/changes", ChangesAsync).WithSyncMetrics("changes");
        app.MapPost("/db/{db}/sync/fetch", FetchAsync).WithSyncMetrics("fetch");
        app.MapPost("/db/{db}/sync/push", PushAsync).WithSyncMetrics("push");
    }

    /// <summary>The sync service of a request: grain calls retried while the cluster fails over a lost mirror.</summary>
    internal static SyncService Service(HttpContext context)
    {
        var services = context.RequestServices;
        var limit = TimeSpan.FromSeconds(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Configuration.MirrorOptions>>().Value.UnavailableRetrySeconds);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClusterCall).FullName!);
        var horizon = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<MirrorGrainOptions>>().Value.TombstoneHorizon;
        return new SyncService(new GrainSyncBackend(services.GetRequiredService<IGrainFactory>(), services.GetService<MirrorBatchAccept>(), services.GetService<MirrorLocalFetch>()),
            new UnavailableRetryPolicy(limit, logger, $"{context.Request.Method} {context.Request.Path}"),
            new SyncServiceOptions { HorizonSeconds = (long)horizon.TotalSeconds });
    }

    private static async Task ChangesAsync(HttpContext context, string db)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return;
        var query = context.Request.Query;
        if (!SyncCheckpoint.TryParse(query["since"].FirstOrDefault(), out var since))
        {
            await ApiResponse.ErrorAsync(context, 400, "invalid_checkpoint", "'since' is not a checkpoint this gateway issued.");
            return;
        }
        int limit = 1000;
        string? limitText = query["limit"].FirstOrDefault();
        if (limitText is not null && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > SyncService.MaxChanges))
        {
            await ApiResponse.ErrorAsync(context, 400, "invalid_limit", $"limit must be an integer 1–{SyncService.MaxChanges} (got '{ApiResponse.Quote(limitText)}').");
            return;
        }
        var prefixes = query["prefix"].Select(p => p ?? "").ToArray();
        if (prefixes.Length > SyncService.MaxPrefixes || prefixes.Any(p => p.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(p) > DocumentId.MaxUtf8Bytes))
        {
            await ApiResponse.ErrorAsync(context, 400, "invalid_prefix", $"At most {SyncService.MaxPrefixes} 'prefix' parameters, each 1–{DocumentId.MaxUtf8Bytes} UTF-8 bytes.");
            return;
        }
        var page = await Service(context).GetChangesAsync(db, since, limit, prefixes, context.RequestAborted);
        context.Response.StatusCode = 200;
        await WriteJsonAsync(context, w =>
        {
            w.WriteStartObject();
            if (page.Unchanged) w.WriteNull("checkpoint");
            else w.WriteString("checkpoint", page.Next.ToToken());
            w.WriteBoolean("more", page.More);
            w.WriteNumber("horizon", page.HorizonSeconds);
            w.WriteStartArray("changes");
            foreach (var c in page.Entries)
            {
                w.WriteStartObject();
                w.WriteString("id", c.Id);
                w.WriteString("rev", c.Rev);
                if (c.Deleted) w.WriteBoolean("deleted", true);
                if (c.Conflicts is not null) w.WriteString("conflicts", c.Conflicts);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static async Task FetchAsync(HttpContext context, string db)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return;
        if (!context.Request.HasJsonContentType())
        {
            await ApiResponse.ErrorAsync(context, 415, "unsupported_media_type", "The body must be a JSON array of ids (Content-Type: application/json).");
            return;
        }
        var body = await RequestBody.ReadAsync(context, FetchBodyBytes);
        if (body is not null && string.Equals(context.Request.Headers.ContentEncoding, "br", StringComparison.OrdinalIgnoreCase))
        {
            // Delta sync's fetch (ids with revisions) comes Brotli-compressed: inflated within the same bound.
            try
            {
                body = Inflate(body, FetchBodyBytes);
            }
            // BrotliStream reports corrupt input as InvalidOperationException ("Decoder ran into invalid data") or InvalidDataException.
            catch (Exception e) when (e is InvalidDataException or InvalidOperationException)
            {
                await ApiResponse.ErrorAsync(context, 400, "bad_json", $"The body is not valid Brotli data: {e.Message}");
                return;
            }
        }
        if (body is null)
        {
            await ApiResponse.ErrorAsync(context, 413, "too_large", $"A fetch body is at most {FetchBodyBytes} bytes.");
            return;
        }
        List<string> ids = [];
        List<string?> revs = [];
        try
        {
            if (!System.Text.Unicode.Utf8.IsValid(body)) throw new JsonException("the body is not valid UTF-8");
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new JsonException("not an array");
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                if (e.ValueKind == JsonValueKind.String)
                {
                    ids.Add(e.GetString()!);
                    revs.Add(null);
                    continue;
                }
                if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
                    throw new JsonException("an element is neither an id string nor an object with an \"id\" string");
                string? rev = null;
                if (e.TryGetProperty("rev", out var r) && r.ValueKind != JsonValueKind.Null)
                {
                    if (r.ValueKind != JsonValueKind.String || !Revision.TryParse(r.GetString(), out _)) throw new JsonException("\"rev\" is not a revision");
                    rev = r.GetString();
                }
                if (e.TryGetProperty("whole", out var w))
                {
                    if (w.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw new JsonException("\"whole\" is not a boolean");
                    if (w.ValueKind == JsonValueKind.True) rev = null;
                }
                ids.Add(id.GetString()!);
                revs.Add(rev);
            }
        }
        // InvalidOperationException: a string escape that is not valid UTF-16 (a lone surrogate).
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            await ApiResponse.ErrorAsync(context, 400, "bad_json", $"The body must be a JSON array of id strings or {{\"id\",\"rev\"}} objects: {e.Message}");
            return;
        }
        if (ids.Count > SyncService.MaxFetchIds)
        {
            await ApiResponse.ErrorAsync(context, 400, "too_many_ids", $"At most {SyncService.MaxFetchIds} ids per fetch (got {ids.Count}).");
            return;
        }
        foreach (var id in ids)
        {
            try { DocumentId.Validate(id); }
            catch (ArgumentException e)
            {
                await ApiResponse.ErrorAsync(context, 400, "invalid_id", ApiResponse.Reason(e));
                return;
            }
        }
        var batch = await Service(context).FetchAsync(db, ids, context.RequestAborted, revs);
        context.Response.StatusCode = 200;
        context.Response.ContentType = SyncBatch.MediaType;
        context.Response.ContentLength = batch.Length;
        await context.Response.Body.WriteAsync(batch, context.RequestAborted);
    }

    /// <summary>Inflates a Brotli body; null when it decodes to more than <paramref name="max"/> bytes.</summary>
    /// <exception cref="InvalidDataException">Not valid Brotli data (or <see cref="InvalidOperationException"/>).</exception>
    private static byte[]? Inflate(byte[] compressed, int max)
    {
        using var input = new MemoryStream(compressed);
        using var brotli = new BrotliStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var chunk = new byte[16384];
        int n;
        while ((n = brotli.Read(chunk)) > 0)
        {
            if (output.Length + n > max) return null;
            output.Write(chunk, 0, n);
        }
        return output.ToArray();
    }

    private static readonly string AcceptedStatus = PushStatusNames.ToWire(PushStatus.Accepted);
    private static readonly string ConflictStatus = PushStatusNames.ToWire(PushStatus.Conflict);

    private static async Task PushAsync(HttpContext context, string db)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return;
        if (!string.Equals(context.Request.ContentType, SyncBatch.MediaType, StringComparison.OrdinalIgnoreCase))
        {
            await ApiResponse.ErrorAsync(context, 415, "unsupported_media_type", $"The body must be a record batch (Content-Type: {SyncBatch.MediaType}).");
            return;
        }
        var body = await RequestBody.ReadAsync(context, SyncService.MaxPushBytes);
        if (body is null)
        {
            await ApiResponse.ErrorAsync(context, 413, "too_large", $"A push body is at most {SyncService.MaxPushBytes} bytes; split the batch.");
            return;
        }
        IReadOnlyList<SyncRecord> records;
        try
        {
            records = SyncService.DecodePush(body);
        }
        catch (RecordBatchTooLargeException)
        {
            await ApiResponse.ErrorAsync(context, 413, "too_large", $"A push is at most {SyncService.MaxPushBytes} bytes once decoded; split the batch.");
            return;
        }
        catch (FormatException e)
        {
            await ApiResponse.ErrorAsync(context, 400, "bad_batch", e.Message);
            return;
        }
        var storedHere = new bool[records.Sum(r => r.Leaves.Length)];
        var results = await Service(context).PushAsync(db, records, context.RequestAborted, storedHere);
        // Acknowledged leaves, like acknowledged saves, are reflected by the next _find through this gateway. Those the batch
        // path stored in this silo's own store are there already: noting 100,000 of them made the notes' background sweep
        // read every one back during the push.
        var acknowledged = context.RequestServices.GetRequiredService<Grains.Query.AcknowledgedWrites>();
        for (int i = 0; i < results.Length; i++)
        {
            var r = results[i];
            if (!storedHere[i] && (r.Status == AcceptedStatus || r.Status == ConflictStatus)) acknowledged.Note(db, r.Id, r.Rev);
        }
        context.Response.StatusCode = 200;
        await WriteJsonAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("results");
            foreach (var r in results)
            {
                w.WriteStartObject();
                w.WriteString("id", r.Id);
                w.WriteString("rev", r.Rev);
                w.WriteString("status", r.Status);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>JSON response, Brotli-compressed when the client accepts it and it is worth it.</summary>
    private static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            write(writer);
        context.Response.ContentType = ApiResponse.JsonType;
        bool brotli = buffer.WrittenCount > 1024 && context.Request.Headers.AcceptEncoding.ToString().Contains("br", StringComparison.OrdinalIgnoreCase);
        if (!brotli)
        {
            context.Response.ContentLength = buffer.WrittenCount;
            await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
            return;
        }
        using var compressed = new MemoryStream(buffer.WrittenCount / 4 + 64);
        using (var br = new BrotliStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            br.Write(buffer.WrittenSpan);
        context.Response.Headers.ContentEncoding = "br";
        context.Response.ContentLength = compressed.Length;
        await context.Response.Body.WriteAsync(compressed.GetBuffer().AsMemory(0, (int)compressed.Length), context.RequestAborted);
    }
}
