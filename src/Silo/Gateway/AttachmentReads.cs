using System.Buffers;
using System.Globalization;
using MyNoSql.Grains;
using MyNoSql.Grains.Attachments;
using MyNoSql.Storage.Attachments;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// <c>GET /db/{db}/doc/{id}/att/{name}</c> (DESIGN §9): the current revision's attachment (with <c>?rev=R</c> that kept
/// revision's: a conflict's losing leaf or a past revision; 404 when not kept, 400 <c>invalid_rev</c>), streamed from this silo's
/// chunk store (one chunk in memory at a time) with <c>Content-Type</c>, <c>Content-Length</c>, <c>ETag: "&lt;digest&gt;"</c>
/// and <c>Accept-Ranges: bytes</c>; <c>Range: bytes=a-b</c> → 206 with <c>Content-Range</c> (only while an <c>If-Range</c>
/// names the current ETag), a range it cannot serve → 416 (JSON, <c>Content-Range: bytes */length</c>), another unit or
/// several ranges → the whole body (<see cref="ByteRange"/>); <c>If-None-Match</c> with the ETag → 304; <c>HEAD</c> → the
/// same headers without the body. A body this silo does not hold yet (it was down during the upload) is first copied here
/// from a silo that holds it; under <c>--replicas N</c> a silo that is not one of the record's holders streams it from a
/// holder instead, keeping nothing.
/// </summary>
internal static class AttachmentReads
{
    private const int CopyBufferBytes = 64 * 1024;

    /// <summary>Serves the attachment; <paramref name="rev"/> (<c>?rev=</c>) names the revision to read it from.</summary>
    public static async Task GetAsync(HttpContext context, string db, string id, string name, string? rev)
    {
        var services = context.RequestServices;
        var grain = services.GetRequiredService<IGrainFactory>().GetGrain<IRecordGrain>(RecordKey.For(db, id));
        // ?rev=R: the attachment as that revision holds it (a conflict's losing leaf, a kept past revision), as CouchDB
        // serves it; a replicator fetching a loser's attachment must not get the winner's body.
        if (rev is not null && !await HistoryEndpoints.CheckReadRevAsync(context, rev)) return;
        var record = await ClusterCall.RetryAsync(context, () =>
            (rev is null ? grain.Read(context.RequestAborted) : grain.ReadRevision(rev, context.RequestAborted)).AsTask());
        if (record is null)
        {
            if (rev is null) await AttachmentEndpoints.NotFoundAsync(context, db, id, null);
            else await ApiResponse.ErrorAsync(context, 404, "not_found",
                $"Revision '{rev}' of record '{ApiResponse.Quote(id)}' in database '{db}' is not kept (unknown, a deletion, or past the history depth).");
            return;
        }
        if (!AttachmentStubs.Read(record.Json).TryGetValue(name, out var stub))
        {
            await AttachmentEndpoints.NotFoundAsync(context, db, id, name);
            return;
        }
        var copies = services.GetRequiredService<AttachmentCopies>();
        var located = await copies.LocateAsync(db, id, stub.Digest, context.RequestAborted);
        if (located is not { } found)
        {
            await ApiResponse.ErrorAsync(context, 503, "unavailable",
                $"Attachment '{AttachmentEndpoints.Shown(name)}' of record '{ApiResponse.Quote(id)}' in database '{db}': its body is not on this mirror yet and no other mirror could provide it; retry.");
            return;
        }
        var (manifest, local) = found;
        var response = context.Response;
        string etag = $"\"{stub.Digest}\"";
        response.Headers.ETag = etag;
        response.Headers.AcceptRanges = "bytes";
        if (context.Request.Headers.IfNoneMatch.Any(v => v is not null && (v.Contains(etag, StringComparison.Ordinal) || v.Trim() == "*")))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        long start = 0, length = manifest.Length;
        string? rangeHeader = context.Request.Headers.Range.FirstOrDefault();
        string? problem = null;
        var range = string.IsNullOrEmpty(rangeHeader) || !IfRangeHolds(context, etag) ? null : ByteRange.Parse(rangeHeader, manifest.Length, out problem);
        if (problem is not null)
        {
            response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes */{manifest.Length}");
            await ApiResponse.ErrorAsync(context, StatusCodes.Status416RangeNotSatisfiable, "range_not_satisfiable",
                $"Attachment '{AttachmentEndpoints.Shown(name)}' of record '{ApiResponse.Quote(id)}' in database '{db}' is {manifest.Length} bytes; Range '{ApiResponse.Quote(rangeHeader!)}' cannot be served: {problem}.");
            return;
        }
        if (range is { } served)
        {
            (start, length) = (served.Start, served.Length);
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {start}-{served.End}/{manifest.Length}");
        }
        else
        {
            response.StatusCode = StatusCodes.Status200OK;
        }
        response.ContentType = stub.ContentType;
        response.ContentLength = length;
        response.Headers.XContentTypeOptions = "nosniff";
        if (HttpMethods.IsHead(context.Request.Method)) return;
        await using var body = local ? services.GetRequiredService<MirrorAttachments>().Store(db).OpenRead(manifest) : copies.OpenRemote(db, id, manifest);
        body.Seek(start, SeekOrigin.Begin);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyBufferBytes);
        try
        {
            long left = length;
            while (left > 0)
            {
                int read = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), context.RequestAborted);
                if (read == 0) throw new InvalidDataException($"Attachment body {stub.Digest} of database '{db}' ended {left} bytes early.");
                await response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                left -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// RFC 9110 §13.1.5: with <c>If-Range</c>, a range is served only while the body is still the one the client names (its
    /// ETag, compared strongly); otherwise the whole new body goes back, so a resumed download never splices two bodies. A
    /// date there cannot match (attachments have no <c>Last-Modified</c>).
    /// </summary>
    private static bool IfRangeHolds(HttpContext context, string etag) =>
        context.Request.Headers.IfRange.FirstOrDefault() is not { } ifRange || string.Equals(ifRange.Trim(), etag, StringComparison.Ordinal);
}
