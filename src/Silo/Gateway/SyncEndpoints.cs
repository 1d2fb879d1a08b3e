using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using MyNoSql.Grains;
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
/// <item><c>POST /db/{db}/sync/fetch</c> (JSON array of ids, at most 1000) → record batch of those records, in the order
/// asked, ending early once about 16 MiB of content is in it (ask again for the ids not answered).</item>
/// <item><c>POST /db/{db}/sync/push</c> (record batch) → <c>{"results":[{"id","rev","status"}]}</c>, status one of
/// accepted, known, conflict (kept as a conflict: acknowledged), invalid, quorum_unavailable (retry later).</item>
/// </list>
/// Record batches are <see cref="SyncBatch.MediaType"/> (Brotli; every leaf with its ancestry).
/// </summary>
internal static class SyncEndpoints
{
    public const int MaxChanges = 10_000;
    public const int MaxFetchIds = 1000;
    public const int MaxPrefixes = 64;
    public const int MaxPushBytes = 64 << 20;
    private const int FetchBodyBytes = 1 << 20;

    /// <summary>A fetch answer ends after the chunk of records that reaches this much content (peers ask again for the rest).</summary>
    public const int FetchAnswerBytes = 16 << 20;
    private const int FirstFetchChunk = 8;
    private const int MaxFetchChunk = 64;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/db/{db}/sync/changes", ChangesAsync);
        app.MapPost("/db/{db}/sync/fetch", FetchAsync);
        app.MapPost("/db/{db}/sync/push", PushAsync);
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
        if (limitText is not null && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxChanges))
        {
            await ApiResponse.ErrorAsync(context, 400, "invalid_limit", $"limit must be an integer 1–{MaxChanges} (got '{ApiResponse.Quote(limitText)}').");
            return;
        }
        var prefixes = query["prefix"].Select(p => p ?? "").ToArray();
        if (prefixes.Length > MaxPrefixes || prefixes.Any(p => p.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(p) > DocumentId.MaxUtf8Bytes))
        {
            await ApiResponse.ErrorAsync(context, 400, "invalid_prefix", $"At most {MaxPrefixes} 'prefix' parameters, each 1–{DocumentId.MaxUtf8Bytes} UTF-8 bytes.");
            return;
        }
        // The paging over the 64 segments is the sync grain's (the Orleans transport calls it directly).
        var vector = new long[RecordKey.SegmentCount * 2];
        for (int s = 0; s < RecordKey.SegmentCount; s++) (vector[s * 2], vector[s * 2 + 1]) = (since.Epochs[s], since.Sequences[s]);
        var sync = context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<ISyncGrain>(db);
        var page = await ClusterCall.RetryAsync(context, () => sync.GetChanges(vector, limit, prefixes, context.RequestAborted).AsTask());
        var next = new SyncCheckpoint();
        for (int s = 0; s < RecordKey.SegmentCount; s++) (next.Epochs[s], next.Sequences[s]) = (page.Checkpoint[s * 2], page.Checkpoint[s * 2 + 1]);
        var changes = page.Entries;
        bool more = page.More;
        bool unchanged = changes.Length == 0 && next.Epochs.SequenceEqual(since.Epochs) && next.Sequences.SequenceEqual(since.Sequences);
        context.Response.StatusCode = 200;
        await WriteJsonAsync(context, w =>
        {
            w.WriteStartObject();
            if (unchanged) w.WriteNull("checkpoint");
            else w.WriteString("checkpoint", next.ToToken());
            w.WriteBoolean("more", more);
            w.WriteNumber("horizon", page.HorizonSeconds);
            w.WriteStartArray("changes");
            foreach (var c in changes)
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
        if (body is null)
        {
            await ApiResponse.ErrorAsync(context, 413, "too_large", $"A fetch body is at most {FetchBodyBytes} bytes.");
            return;
        }
        List<string> ids = [];
        try
        {
            if (!System.Text.Unicode.Utf8.IsValid(body)) throw new JsonException("the body is not valid UTF-8");
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new JsonException("not an array");
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.String) throw new JsonException("an element is not a string");
                ids.Add(e.GetString()!);
            }
        }
        // InvalidOperationException: a string escape that is not valid UTF-16 (a lone surrogate).
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            await ApiResponse.ErrorAsync(context, 400, "bad_json", $"The body must be a JSON array of id strings: {e.Message}");
            return;
        }
        if (ids.Count > MaxFetchIds)
        {
            await ApiResponse.ErrorAsync(context, 400, "too_many_ids", $"At most {MaxFetchIds} ids per fetch (got {ids.Count}).");
            return;
        }
        foreach (var id in ids)
        {
            try { DocumentId.Validate(id); }
            catch (ArgumentException e)
            {
                await ApiResponse.ErrorAsync(context, 400, "invalid_id", e.Message);
                return;
            }
        }
        var grains = context.RequestServices.GetRequiredService<IGrainFactory>();
        // Records are read a chunk at a time, and the answer ends once it holds FetchAnswerBytes of content: a fetch of
        // large records stays bounded in memory here and at the peer, which asks again for the ids it did not get. The
        // chunk after the first is sized from the records seen so far, so large records are read a few at a time.
        var distinct = ids.Distinct(StringComparer.Ordinal).ToList();
        var leaves = new List<SyncRecord>();
        long bytes = 0;
        for (int next = 0, take = FirstFetchChunk; next < distinct.Count && bytes < FetchAnswerBytes;)
        {
            var chunk = distinct.GetRange(next, Math.Min(take, distinct.Count - next));
            next += chunk.Count;
            foreach (var record in await Task.WhenAll(chunk.Select(async id =>
            {
                var grain = grains.GetGrain<IRecordGrain>(RecordKey.For(db, id));
                return new SyncRecord(id, await ClusterCall.RetryAsync(context, () => grain.GetLeaves(context.RequestAborted).AsTask()));
            })))
            {
                if (record.Leaves.Length == 0) continue;
                leaves.Add(record);
                bytes += record.Leaves.Sum(l => (long)l.Body.Length);
            }
            long average = Math.Max(1, bytes / Math.Max(1, leaves.Count));
            take = (int)Math.Clamp((FetchAnswerBytes - bytes) / average, 1, MaxFetchChunk);
        }
        var batch = SyncBatch.Encode(leaves);
        context.Response.StatusCode = 200;
        context.Response.ContentType = SyncBatch.MediaType;
        context.Response.ContentLength = batch.Length;
        await context.Response.Body.WriteAsync(batch, context.RequestAborted);
    }

    private static async Task PushAsync(HttpContext context, string db)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return;
        if (!string.Equals(context.Request.ContentType, SyncBatch.MediaType, StringComparison.OrdinalIgnoreCase))
        {
            await ApiResponse.ErrorAsync(context, 415, "unsupported_media_type", $"The body must be a record batch (Content-Type: {SyncBatch.MediaType}).");
            return;
        }
        var body = await RequestBody.ReadAsync(context, MaxPushBytes);
        if (body is null)
        {
            await ApiResponse.ErrorAsync(context, 413, "too_large", $"A push body is at most {MaxPushBytes} bytes; split the batch.");
            return;
        }
        IReadOnlyList<SyncRecord> records;
        try
        {
            records = SyncBatch.Decode(body);
        }
        catch (FormatException e)
        {
            await ApiResponse.ErrorAsync(context, 400, "bad_batch", e.Message);
            return;
        }
        var grains = context.RequestServices.GetRequiredService<IGrainFactory>();
        var results = new (string Id, string Rev, MergeStatus Status)[records.Sum(r => r.Leaves.Length)];
        var offsets = new int[records.Count];
        for (int i = 1; i < records.Count; i++) offsets[i] = offsets[i - 1] + records[i - 1].Leaves.Length;
        // Leaves of one record go in order to its grain; records go in parallel. Started merges finish.
        await Parallel.ForEachAsync(Enumerable.Range(0, records.Count), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
        {
            var record = records[i];
            var grain = grains.GetGrain<IRecordGrain>(RecordKey.For(db, record.Id));
            for (int l = 0; l < record.Leaves.Length; l++)
            {
                // Accepting a leaf again is harmless ("known"), so a call lost with a mirror is simply retried.
                var leaf = record.Leaves[l];
                results[offsets[i] + l] = (record.Id, leaf.Rev, await ClusterCall.RetryAsync(context, () => grain.Accept(leaf, CancellationToken.None).AsTask()));
            }
        });
        context.Response.StatusCode = 200;
        await WriteJsonAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("results");
            foreach (var (id, rev, status) in results)
            {
                w.WriteStartObject();
                w.WriteString("id", id);
                w.WriteString("rev", rev);
                w.WriteString("status", status switch
                {
                    MergeStatus.Accepted => "accepted",
                    MergeStatus.AlreadyKnown => "known",
                    MergeStatus.Conflict => "conflict",
                    MergeStatus.QuorumUnavailable => "quorum_unavailable",
                    _ => "invalid",
                });
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
