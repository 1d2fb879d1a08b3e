using System.Text.Json;
using MyNoSql.Grains.Attachments;
using MyNoSql.Storage.Attachments;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// The body half of the sync protocol (DESIGN §9; client: the peer's sync engine). A peer uploads a record's bodies
/// before it pushes the record, and only the chunks the mirror lacks, so an interrupted transfer resumes from the last
/// whole chunk:
/// <list type="bullet">
/// <item><c>POST /db/{db}/sync/att/missing</c> <c>{"chunks":[ids]}</c> → 200 <c>{"missing":[ids]}</c> (read access).</item>
/// <item><c>PUT /db/{db}/sync/att/chunk/{id}</c> raw bytes (at most one chunk) → 204 once durable here (copies to the
/// other silos continue in the background, a few chunks at a time; under <c>--replicas N</c> none: the manifest places
/// the body); 400 <c>bad_chunk</c> when they do not hash to the id, 413 <c>too_large</c> beyond the chunk size.</item>
/// <item><c>PUT /db/{db}/sync/att/manifest[?id=record]</c> manifest JSON → 204 once a write quorum holds the body (every
/// mirror's quorum without replicas; under <c>--replicas N</c> a majority of the holders of the named record, or of the N
/// mirrors the body's digest picks when no record is named); 409
/// <c>missing_chunks</c> with <c>"missing":[ids]</c> when chunks are absent; 413 beyond <c>--max-attachment-bytes</c>.</item>
/// <item><c>GET /db/{db}/sync/att/manifest/{digest}</c> (URL-encoded) → the manifest JSON, 404 when no silo holds the body.</item>
/// <item><c>GET /db/{db}/sync/att/chunk/{id}</c> → the chunk's raw bytes, 404 when not held here.</item>
/// </list>
/// </summary>
internal static class AttachmentSyncEndpoints
{
    /// <summary>Ids one missing-check may ask about.</summary>
    public const int MaxIds = 65_536;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/db/{db}/sync/att/missing", MissingAsync).WithSyncMetrics("att/missing");
        app.MapPut("/db/{db}/sync/att/chunk/{id}", PutChunkAsync).WithSyncMetrics("att/chunk/put");
        app.MapGet("/db/{db}/sync/att/chunk/{id}", GetChunkAsync).WithSyncMetrics("att/chunk/get");
        app.MapPut("/db/{db}/sync/att/manifest", PutManifestAsync).WithSyncMetrics("att/manifest/put");
        app.MapGet("/db/{db}/sync/att/manifest/{**digest}", GetManifestAsync).WithSyncMetrics("att/manifest/get");
        AttachmentDiagnostics.Map(app);
    }

    private static async Task MissingAsync(HttpContext context, string db)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return;
        var body = await RequestBody.ReadAsync(context, MaxIds * 70 + 1024);
        if (body is null)
        {
            await ApiResponse.ErrorAsync(context, 413, "too_large", $"A missing-check of database '{db}' asks about at most {MaxIds} chunk ids.");
            return;
        }
        var ids = new List<string>();
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("chunks", out var chunks) || chunks.ValueKind != JsonValueKind.Array)
                throw new FormatException("the body must be {\"chunks\":[ids]}");
            foreach (var e in chunks.EnumerateArray())
            {
                string? id = e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                if (!ManifestWire.IsChunkId(id)) throw new FormatException($"chunk id '{ApiResponse.Quote(id ?? e.GetRawText())}' is not 64 lowercase hex digits");
                ids.Add(id!);
            }
            if (ids.Count > MaxIds) throw new FormatException($"at most {MaxIds} ids per request");
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            await ApiResponse.ErrorAsync(context, 400, "bad_request", $"Missing-check of database '{db}': {e.Message}.");
            return;
        }
        var missing = Store(context, db).MissingChunks(ids);
        context.Response.StatusCode = 200;
        await ApiResponse.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("missing");
            foreach (var id in missing) w.WriteStringValue(id);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static async Task PutChunkAsync(HttpContext context, string db, string id)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db) || !await CheckChunkIdAsync(context, db, id)) return;
        var attachments = context.RequestServices.GetRequiredService<MirrorAttachments>();
        // Read into a pooled chunk buffer (not a 1 MiB array per request on the large-object heap).
        byte[] buffer = ChunkBuffers.Rent();
        try
        {
            int n = await ReadChunkBodyAsync(context, buffer.AsMemory(0, attachments.ChunkSize));
            if (n < 0)
            {
                await ApiResponse.ErrorAsync(context, 413, "too_large", $"Chunk {id} of database '{db}' is larger than the chunk size of {attachments.ChunkSize} bytes.");
                return;
            }
            var raw = buffer.AsMemory(0, n);
            try
            {
                await attachments.Store(db).PutChunkAsync(id, raw, context.RequestAborted);
            }
            catch (ArgumentException e)
            {
                await ApiResponse.ErrorAsync(context, 400, "bad_chunk", $"Chunk {id} of database '{db}' refused: {ApiResponse.Reason(e)}");
                return;
            }
            // The other silos get it in the background, so the manifest's quorum check finds it there (best effort: that
            // check sends what is missing); the peer's next chunk does not wait for these copies.
            var copies = context.RequestServices.GetRequiredService<AttachmentCopies>();
            await copies.StartForwardChunkAsync(db, id, raw, context.RequestAborted);
        }
        finally
        {
            ChunkBuffers.Return(buffer);
        }
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>The request body into <paramref name="buffer"/>; its length, or -1 when it is longer than the buffer.</summary>
    private static async Task<int> ReadChunkBodyAsync(HttpContext context, Memory<byte> buffer)
    {
        if (context.Request.ContentLength is long declared && declared > buffer.Length) return -1;
        int filled = await context.Request.Body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, context.RequestAborted);
        if (filled < buffer.Length) return filled;
        // Full: one more byte means too long.
        return await context.Request.Body.ReadAsync(new byte[1], context.RequestAborted) == 0 ? filled : -1;
    }

    private static async Task GetChunkAsync(HttpContext context, string db, string id)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db) || !await CheckChunkIdAsync(context, db, id)) return;
        var store = Store(context, db);
        byte[] buffer = ChunkBuffers.Rent();
        try
        {
            int n = 0;
            try
            {
                if (store.HasChunk(id)) n = store.ReadChunk(id, buffer);
            }
            catch (FileNotFoundException)
            {
                // collected meanwhile
            }
            if (n == 0)
            {
                var copies = context.RequestServices.GetRequiredService<AttachmentCopies>();
                n = await copies.FetchChunkAsync(db, id, buffer, context.RequestAborted, keep: !copies.Placed);
            }
            if (n == 0)
            {
                await ApiResponse.ErrorAsync(context, 404, "not_found", $"Chunk {id} of database '{db}' is not stored on any reachable mirror.");
                return;
            }
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = n;
            await context.Response.Body.WriteAsync(buffer.AsMemory(0, n), context.RequestAborted);
        }
        finally
        {
            ChunkBuffers.Return(buffer);
        }
    }

    private static async Task PutManifestAsync(HttpContext context, string db)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return;
        var attachments = context.RequestServices.GetRequiredService<MirrorAttachments>();
        long maxChunks = attachments.MaxAttachmentBytes / attachments.ChunkSize + 1;
        var body = await RequestBody.ReadAsync(context, (int)Math.Min(int.MaxValue - 1, maxChunks * 70 + 4096));
        if (body is null)
        {
            await ApiResponse.ErrorAsync(context, 413, "too_large", $"The manifest for database '{db}' names more chunks than a body of --max-attachment-bytes ({attachments.MaxAttachmentBytes}) can have.");
            return;
        }
        AttachmentManifest manifest;
        try
        {
            manifest = ManifestJson.Parse(body);
        }
        catch (FormatException e)
        {
            await ApiResponse.ErrorAsync(context, 400, "bad_request", $"Malformed attachment manifest for database '{db}': {e.Message}");
            return;
        }
        if (manifest.ChunkSize != attachments.ChunkSize || manifest.Length > attachments.MaxAttachmentBytes)
        {
            bool tooLarge = manifest.Length > attachments.MaxAttachmentBytes;
            await ApiResponse.ErrorAsync(context, tooLarge ? 413 : 400, tooLarge ? "too_large" : "bad_request", tooLarge
                ? $"Attachment body {manifest.Digest} of database '{db}' is {manifest.Length} bytes, larger than the maximum attachment size of {attachments.MaxAttachmentBytes} bytes (--max-attachment-bytes)."
                : $"Attachment body {manifest.Digest} of database '{db}' uses chunks of {manifest.ChunkSize} bytes; this mirror's are {attachments.ChunkSize}.");
            return;
        }
        var store = attachments.Store(db);
        var missing = store.MissingChunks(manifest.Chunks);
        if (missing.Count > 0)
        {
            context.Response.StatusCode = 409;
            await ApiResponse.WriteAsync(context, w =>
            {
                w.WriteStartObject();
                w.WriteString("error", "missing_chunks");
                w.WriteString("reason", $"Attachment body {manifest.Digest} of database '{db}': {missing.Count} of its {manifest.Chunks.Count} chunks are not on this mirror; send them first.");
                w.WriteStartArray("missing");
                foreach (var id in missing) w.WriteStringValue(id);
                w.WriteEndArray();
                w.WriteEndObject();
            });
            return;
        }
        await store.StoreManifestAsync(manifest, context.RequestAborted);
        var copies = context.RequestServices.GetRequiredService<AttachmentCopies>();
        // The chunk copies still on their way finish first: the quorum check below would otherwise send them again.
        await copies.ForwardsSettledAsync().WaitAsync(context.RequestAborted);
        // Under replicas the body goes to the holders of the record the request names (?id=), else to the N mirrors its
        // digest picks (the record's holders pull it by repair once the record arrives). This silo keeps its staged copy
        // either way; when no record here names the body the collector removes it after the grace.
        string? recordId = context.Request.Query["id"].FirstOrDefault();
        string placement = string.IsNullOrEmpty(recordId) ? AttachmentCopies.BodyPlacementId(manifest.Digest) : recordId;
        if (!await copies.EnsureQuorumAsync(db, manifest, placement, context.RequestAborted))
        {
            await ApiResponse.ErrorAsync(context, 503, "quorum_unavailable",
                $"Attachment body {manifest.Digest} of database '{db}' is stored on this mirror but a write quorum of mirrors did not confirm it in time; retry (nothing is sent again).");
            return;
        }
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task GetManifestAsync(HttpContext context, string db, string digest)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return;
        digest = Uri.UnescapeDataString(digest);
        if (!AttachmentStubs.IsValidDigest(digest))
        {
            await ApiResponse.ErrorAsync(context, 400, "bad_request", $"'{ApiResponse.Quote(digest)}' is not an attachment digest (sha256-<base64 of 32 bytes>, URL-encoded) in database '{db}'.");
            return;
        }
        var store = Store(context, db);
        var copies = context.RequestServices.GetRequiredService<AttachmentCopies>();
        // Under replicas a silo only answers with another's manifest (the peer then GETs the chunks through it): it keeps
        // no copy of a body it may not hold.
        AttachmentManifest? manifest = store.HasBody(digest) ? store.TryGetManifest(digest) : null;
        if (manifest is null && copies.Placed) manifest = await copies.FetchManifestAsync(db, digest, context.RequestAborted);
        else if (manifest is null && await copies.FetchAsync(db, digest, context.RequestAborted)) manifest = store.TryGetManifest(digest);
        if (manifest is null)
        {
            await ApiResponse.ErrorAsync(context, 404, "not_found", $"Attachment body {digest} is not stored on any reachable mirror of database '{db}'.");
            return;
        }
        await ApiResponse.JsonBytesAsync(context, 200, ManifestJson.Write(manifest));
    }

    private static AttachmentStore Store(HttpContext context, string db) =>
        context.RequestServices.GetRequiredService<MirrorAttachments>().Store(db);

    private static async Task<bool> CheckChunkIdAsync(HttpContext context, string db, string id)
    {
        if (ManifestWire.IsChunkId(id)) return true;
        await ApiResponse.ErrorAsync(context, 400, "bad_request", $"'{ApiResponse.Quote(id)}' is not a chunk id (64 lowercase hex digits) in database '{db}'.");
        return false;
    }
}
