using Microsoft.AspNetCore.Http.Features;
using MyNoSql.Grains;
using MyNoSql.Grains.Attachments;
using MyNoSql.Grains.Query;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Attachments;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// The attachment routes of DESIGN §9 on the record route <c>/db/{db}/doc/{**id}</c> (split by
/// <see cref="RecordAddress.TryAttachmentOf"/>): <c>PUT …/att/{name}?rev=R</c> streams the body into this silo's chunk
/// store and a write quorum of silos, then makes the record's new revision (201 <c>{"id","rev"}</c>); <c>GET</c> (with
/// <c>Range</c>, <see cref="AttachmentReads"/>); <c>DELETE …?rev=R</c> (200 <c>{"id","rev"}</c>). Errors: 400
/// <c>bad_request</c> (an empty or bad name, content type, a malformed <c>?fence=</c>), 400 <c>invalid_id</c> (an empty or
/// bad id), 404 <c>not_found</c> (record or attachment), 409 <c>conflict</c> (a stale or malformed rev, DESIGN §2), 409
/// <c>fenced</c> (a write fenced with <c>?fence=NAME:TOKEN</c>, as a save is, whose token no longer holds its lock), 413
/// <c>too_large</c> (beyond <c>--max-attachment-bytes</c>), 503 <c>quorum_unavailable</c>.
/// </summary>
internal static class AttachmentEndpoints
{
    /// <summary>Serves the request when its path names an attachment; false for a record request.</summary>
    public static async Task<bool> TryServeAsync(HttpContext context, string db)
    {
        if (!RecordAddress.TryAttachmentOf(context, out string id, out string name)) return false;
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db) || !await DocumentEndpoints.CheckIdAsync(context, id)
            || !await CheckNameAsync(context, db, id, name))
            return true;
        string method = context.Request.Method;
        if (HttpMethods.IsPut(method)) await PutAsync(context, db, id, name);
        else if (HttpMethods.IsDelete(method)) await DeleteAsync(context, db, id, name);
        else await AttachmentReads.GetAsync(context, db, id, name, context.Request.Query["rev"].FirstOrDefault());
        return true;
    }

    private static async Task PutAsync(HttpContext context, string db, string id, string name)
    {
        var services = context.RequestServices;
        var attachments = services.GetRequiredService<MirrorAttachments>();
        string? rev = context.Request.Query["rev"].FirstOrDefault();
        if (await LockEndpoints.ParseFenceAsync(context) is not { } fence) return;
        long max = attachments.MaxAttachmentBytes;
        if (context.Request.ContentLength is long declared && declared > max)
        {
            await TooLargeAsync(context, db, id, name, max);
            return;
        }
        string contentType = string.IsNullOrWhiteSpace(context.Request.ContentType) ? AttachmentStubs.DefaultContentType : context.Request.ContentType.Trim();
        if (contentType.Length > 255 || contentType.Any(char.IsControl))
        {
            await ApiResponse.ErrorAsync(context, 400, "bad_request", $"Attachment '{Shown(name)}' of record '{ApiResponse.Quote(id)}' in database '{db}': the Content-Type must be at most 255 characters without control characters.");
            return;
        }
        var grain = services.GetRequiredService<IGrainFactory>().GetGrain<IRecordGrain>(RecordKey.For(db, id));
        // Refuse a stale rev before the body is read: a large upload is not stored for nothing.
        var current = await ClusterCall.RetryAsync(context, () => grain.GetRevision(context.RequestAborted).AsTask());
        bool live = current is { Deleted: false };
        if (live && !string.Equals(rev, current!.Rev, StringComparison.Ordinal))
        {
            await ConflictAsync(context, db, id, current.Rev, rev);
            return;
        }
        // On a deleted record a rev from before the delete is stale, as for a save; its tombstone's own rev re-creates it
        // (the grain's rule, checked here before the body is read). Any other rev on a record that is not live: 404.
        if (!live && current is not null && DocumentRules.IsStaleOnDeleted(Revision.Parse(current.Rev), rev))
        {
            await ConflictAsync(context, db, id, current.Rev, rev);
            return;
        }
        if (!live && rev is not null && rev != current?.Rev)
        {
            await NotFoundAsync(context, db, id, null);
            return;
        }
        // A stale fence likewise (the record's own check after the upload is the one that counts).
        if (fence.Name is not null && !await FenceHoldsAsync(context, db, fence.Name, fence.Token)) return;
        // Our own limit applies (413 with the JSON body), not Kestrel's 30 MB default.
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = null;
        AttachmentManifest manifest;
        bool quorum;
        try
        {
            (manifest, quorum) = await services.GetRequiredService<AttachmentUpload>().StoreAsync(db, id, context.Request.Body, context.RequestAborted);
        }
        catch (AttachmentTooLargeException)
        {
            await TooLargeAsync(context, db, id, name, max);
            return;
        }
        catch (Exception e) when (e is not MirrorStorageFullException && StorageFullException.IsDiskFull(e))
        {
            await ApiResponse.ErrorAsync(context, 503, "unavailable",
                $"Attachment '{Shown(name)}' of record '{ApiResponse.Quote(id)}' in database '{db}': this mirror's disk is full, so the body " +
                $"could not be stored ({e.Message}); the record was not changed. Free space on the mirror or upload through another one.");
            return;
        }
        if (!quorum)
        {
            await ApiResponse.ErrorAsync(context, 503, "quorum_unavailable",
                $"Attachment '{Shown(name)}' of record '{ApiResponse.Quote(id)}' in database '{db}': the body is stored on fewer mirrors than a write quorum in time; the record was not changed. Retry: chunks already stored are not sent again.");
            return;
        }
        var stub = new AttachmentStubInfo(contentType, manifest.Length, manifest.Digest);
        var reply = await SetAsync(context, grain, rev, name, stub, fence);
        await AnswerAsync(context, db, id, name, rev, reply, 201);
    }

    private static async Task DeleteAsync(HttpContext context, string db, string id, string name)
    {
        string? rev = context.Request.Query["rev"].FirstOrDefault();
        if (await LockEndpoints.ParseFenceAsync(context) is not { } fence) return;
        var grain = context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IRecordGrain>(RecordKey.For(db, id));
        var reply = await SetAsync(context, grain, rev, name, null, fence);
        await AnswerAsync(context, db, id, name, rev, reply, 200);
    }

    /// <summary>
    /// The grain's attachment write, retried while a lost mirror fails over. A retry that conflicts because the first
    /// attempt was applied (the winner is a child of <paramref name="rev"/> with exactly the wanted stub) is that success.
    /// </summary>
    private static Task<SaveReply> SetAsync(HttpContext context, IRecordGrain grain, string? rev, string name, AttachmentStubInfo? stub, (string? Name, long Token) fence) =>
        ClusterCall.RetryAsync(context, async retried =>
        {
            var ct = context.RequestAborted;
            var reply = fence.Name is null
                ? await grain.SetAttachment(rev, name, stub, ct)
                : await grain.SetAttachmentFenced(rev, name, stub, fence.Name, fence.Token, ct);
            if (!retried || reply.Status is not (RecordStatus.Conflict or RecordStatus.NotFound)) return reply;
            var winner = await grain.GetRevision(ct);
            var document = await grain.Read(ct);
            if (winner is null || document is null || document.Rev != winner.Rev) return reply;
            bool childOfRev = rev is null ? winner.Ancestry.Length <= 1 : winner.Ancestry.FirstOrDefault() == rev;
            AttachmentStubs.Read(document.Json).TryGetValue(name, out var held);
            bool same = stub is null ? held is null : held is not null && held.Digest == stub.Digest && held.ContentType == stub.ContentType && held.Length == stub.Length;
            return childOfRev && same ? new SaveReply(RecordStatus.Ok, document, null) : reply;
        });

    /// <summary>Whether <paramref name="token"/> still holds lock <paramref name="lockName"/>; otherwise answered (409
    /// <c>fenced</c>, or 503 when the lock cannot be checked).</summary>
    private static async Task<bool> FenceHoldsAsync(HttpContext context, string db, string lockName, long token)
    {
        var lockGrain = context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<ILockGrain>(LockName.Key(db, lockName));
        var check = await ClusterCall.RetryAsync(context, () => lockGrain.Check(token, context.RequestAborted));
        if (check.Status == LockStatus.Granted) return true;
        if (check.Status == LockStatus.Unavailable)
            await ApiResponse.ErrorAsync(context, 503, "quorum_unavailable", $"Lock '{ApiResponse.Quote(lockName)}' of database '{db}' cannot be checked now: too few mirrors answer; nothing was written.");
        else
            await LockEndpoints.FencedAsync(context, $"Lock '{ApiResponse.Quote(lockName)}' of database '{db}' is no longer held by token {token}; nothing was written.");
        return false;
    }

    private static async Task AnswerAsync(HttpContext context, string db, string id, string name, string? rev, SaveReply reply, int okStatus)
    {
        switch (reply.Status)
        {
            case RecordStatus.Ok:
                context.RequestServices.GetRequiredService<AcknowledgedWrites>().Note(db, id, reply.Document!.Rev);
                context.Response.StatusCode = okStatus;
                await ApiResponse.WriteAsync(context, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("id", id);
                    w.WriteString("rev", reply.Document.Rev);
                    w.WriteEndObject();
                });
                break;
            case RecordStatus.Conflict:
                await ConflictAsync(context, db, id, reply.CurrentRev, rev);
                break;
            case RecordStatus.NotFound:
                await NotFoundAsync(context, db, id, reply.Reason is not null && reply.Reason.Contains("no attachment", StringComparison.Ordinal) ? name : null);
                break;
            case RecordStatus.Invalid:
                await ApiResponse.ErrorAsync(context, 400, "bad_request", $"Attachment '{Shown(name)}' of record '{ApiResponse.Quote(id)}' in database '{db}': {reply.Reason}");
                break;
            case RecordStatus.Fenced:
                await LockEndpoints.FencedAsync(context, reply.Reason);
                break;
            default:
                await ApiResponse.ErrorAsync(context, 503, "quorum_unavailable",
                    $"Record '{ApiResponse.Quote(id)}' in database '{db}' is durable on this mirror but a write quorum of mirrors did not confirm it in time; it will replicate when they return.");
                break;
        }
    }

    private static async Task<bool> CheckNameAsync(HttpContext context, string db, string id, string name)
    {
        try
        {
            AttachmentStubs.ValidateName(name);
            return true;
        }
        catch (ArgumentException e)
        {
            await ApiResponse.ErrorAsync(context, 400, "bad_request", $"Record '{ApiResponse.Quote(id)}' in database '{db}': {ApiResponse.Reason(e)}");
            return false;
        }
    }

    internal static Task NotFoundAsync(HttpContext context, string db, string id, string? name) =>
        ApiResponse.ErrorAsync(context, 404, "not_found", name is null
            ? $"Record '{ApiResponse.Quote(id)}' not found in database '{db}'."
            : $"Record '{ApiResponse.Quote(id)}' in database '{db}' has no attachment '{Shown(name)}'.");

    private static Task ConflictAsync(HttpContext context, string db, string id, string? currentRev, string? rev) =>
        ApiResponse.ErrorAsync(context, 409, "conflict",
            $"Record '{ApiResponse.Quote(id)}' in database '{db}' is at rev '{currentRev}'; the request gave rev '{ApiResponse.Quote(rev)}'. Nothing was written.");

    private static Task TooLargeAsync(HttpContext context, string db, string id, string name, long max) =>
        ApiResponse.ErrorAsync(context, 413, "too_large",
            $"Attachment '{Shown(name)}' of record '{ApiResponse.Quote(id)}' in database '{db}' is larger than the maximum attachment size of {max} bytes (--max-attachment-bytes).");

    internal static string Shown(string name) => ApiResponse.Quote(DocumentId.Printable(name));
}
