using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MyNoSql.Grains;
using MyNoSql.Grains.Query;
using MyNoSql.Silo.Configuration;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Patching;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// The document-evolution routes of DESIGN §8 on one record: <c>GET /db/{db}/doc/{id}?rev=R</c> (a kept revision),
/// <c>GET /db/{db}/doc/{id}/_history</c> (<c>{"id","history":[{"rev","deleted","saved_at","has_body"}]}</c>, newest
/// first; <c>saved_at</c> ISO-8601 UTC or null), <c>PATCH /db/{db}/doc/{id}?rev=R</c> (RFC 7396 merge patch or RFC 6902
/// JSON Patch by media type, else by the body's shape — object or array: 201 the saved record, 400 <c>bad_patch</c>, 409
/// stale or malformed rev, 422 <c>test_failed</c>, 404, 413, 415 for a body that is neither) and <c>POST /db/{db}/doc/{id}/_undo</c> / <c>/_redo</c> (201 the saved record, 404, 409 <c>nothing_to_undo</c> /
/// <c>nothing_to_redo</c>). History is the one the mirror holding the record's activation keeps.
/// </summary>
internal static class HistoryEndpoints
{
    /// <summary>The operation segment of the history route.</summary>
    public const string History = "_history";

    private const string UndoOperation = "_undo";
    private const string RedoOperation = "_redo";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/db/{db}/doc/{**id}", UndoRedoAsync);
        app.MapPatch("/db/{db}/doc/{**id}", PatchAsync);
    }

    /// <summary><c>GET …/doc/{id}/_history</c>.</summary>
    public static async Task HistoryAsync(HttpContext context, string db, string id)
    {
        var record = Grain(context, db, id);
        var history = await ClusterCall.RetryAsync(context, () => record.GetHistory(context.RequestAborted).AsTask());
        if (history is null)
        {
            await NotFoundAsync(context, db, id);
            return;
        }
        context.Response.StatusCode = 200;
        await ApiResponse.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", history.Id);
            w.WriteStartArray("history");
            foreach (var item in history.Items)
            {
                w.WriteStartObject();
                w.WriteString("rev", item.Rev);
                w.WriteBoolean("deleted", item.Deleted);
                if (HybridClock.ToTime(item.Stamp) is { } at)
                    w.WriteString("saved_at", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                else w.WriteNull("saved_at");
                w.WriteBoolean("has_body", item.HasBody);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// A read of a kept revision (<c>?rev=R</c> on a record or an attachment) names the revision to show, so a malformed one
    /// is 400 <c>invalid_rev</c>. Writes treat it as DESIGN §2 says: a conflict on an existing record, ignored on creation.
    /// </summary>
    internal static async Task<bool> CheckReadRevAsync(HttpContext context, string? rev)
    {
        if (Revision.TryParse(rev, out _)) return true;
        await ApiResponse.ErrorAsync(context, 400, "invalid_rev", $"'{ApiResponse.Quote(rev)}' is not a revision (\"<generation>-<32 lowercase hex>\").");
        return false;
    }

    /// <summary><c>GET …/doc/{id}?rev=R</c>.</summary>
    public static async Task ReadRevisionAsync(HttpContext context, string db, string id, string? rev)
    {
        if (!await CheckReadRevAsync(context, rev)) return;
        var record = Grain(context, db, id);
        var reply = await ClusterCall.RetryAsync(context, () => record.ReadRevision(rev!, context.RequestAborted).AsTask());
        if (reply is null)
            await ApiResponse.ErrorAsync(context, 404, "not_found",
                $"Revision '{rev}' of record '{ApiResponse.Quote(id)}' in database '{db}' is not kept (unknown, a deletion, or its body is past the history depth).");
        else
            await ApiResponse.JsonBytesAsync(context, 200, reply.Json);
    }

    private static async Task UndoRedoAsync(HttpContext context, string db)
    {
        var (id, operation) = RecordAddress.IdAndOperationOf(context, UndoOperation, RedoOperation);
        if (operation is null)
        {
            context.Response.Headers.Allow = "GET, PUT, PATCH, DELETE";
            await ApiResponse.ErrorAsync(context, 405, "method_not_allowed",
                $"POST is not allowed on a record; POST {ApiResponse.Quote(context.Request.Path)}/_undo or /_redo, or POST /db/{{db}}/doc to create one.");
            return;
        }
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db) || !await DocumentEndpoints.CheckIdAsync(context, id)) return;
        var record = Grain(context, db, id);
        bool undo = operation == UndoOperation;
        // Not retried: an undo is not idempotent (a lost answer after it was applied would undo twice).
        var reply = undo ? await record.Undo(context.RequestAborted) : await record.Redo(context.RequestAborted);
        await AnswerAsync(context, db, id, reply, undo ? "undo" : "redo");
    }

    private static async Task PatchAsync(HttpContext context, string db)
    {
        string id = RecordAddress.IdOf(context);
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db) || !await DocumentEndpoints.CheckIdAsync(context, id)) return;
        string? mediaType = MediaTypeOf(context.Request.ContentType);
        bool jsonPatch = string.Equals(mediaType, DocumentPatch.JsonPatchMediaType, StringComparison.OrdinalIgnoreCase);
        bool declared = jsonPatch || string.Equals(mediaType, DocumentPatch.MergePatchMediaType, StringComparison.OrdinalIgnoreCase);
        int max = context.RequestServices.GetRequiredService<IOptions<MirrorOptions>>().Value.MaxDocumentSize;
        var body = await RequestBody.ReadAsync(context, max);
        if (body is null)
        {
            await ApiResponse.ErrorAsync(context, 413, "too_large", $"The patch is larger than the maximum document size of {max} bytes.");
            return;
        }
        if (!declared)
        {
            // DESIGN §11: a JSON body is taken whatever its Content-Type says. Its shape names the kind: an object is a
            // merge patch (RFC 7396), an array a JSON Patch (RFC 6902), as the two media types' bodies are.
            switch (FirstToken(body))
            {
                case JsonTokenType.StartArray: jsonPatch = true; break;
                case JsonTokenType.StartObject: break;
                default:
                    await ApiResponse.ErrorAsync(context, 415, "unsupported_media_type",
                        $"A patch is a JSON object (merge patch, RFC 7396) or a JSON array (JSON Patch, RFC 6902), or is sent as Content-Type: {DocumentPatch.MergePatchMediaType} or {DocumentPatch.JsonPatchMediaType}; got '{ApiResponse.Quote(context.Request.ContentType)}' and a body that is neither.");
                    return;
            }
        }
        string? rev = context.Request.Query["rev"].FirstOrDefault();
        var record = Grain(context, db, id);
        // Retrying is safe: the patch names the revision it applies to, so a second application is a 409, never a double edit.
        var reply = await ClusterCall.RetryAsync(context, () => record.Patch(rev, body, jsonPatch, context.RequestAborted).AsTask());
        await AnswerAsync(context, db, id, reply, "patch", rev);
    }

    /// <summary>The body's first JSON token (None when it does not start as JSON).</summary>
    private static JsonTokenType FirstToken(byte[] body)
    {
        var reader = new Utf8JsonReader(body);
        try
        {
            return reader.Read() ? reader.TokenType : JsonTokenType.None;
        }
        catch (JsonException)
        {
            return JsonTokenType.None;
        }
    }

    /// <summary>Answers an edit of a record (undo, redo, patch, resolve) as a save is answered: 201 with the saved record.</summary>
    internal static async Task AnswerAsync(HttpContext context, string db, string id, SaveReply reply, string what, string? rev = null)
    {
        switch (reply.Status)
        {
            case RecordStatus.Ok:
                // Before the answer: a _find through this gateway after it must reflect the edit (read-your-writes).
                context.RequestServices.GetRequiredService<AcknowledgedWrites>().Note(db, id, reply.Document!.Rev);
                await ApiResponse.JsonBytesAsync(context, 201, reply.Document!.Json);
                break;
            case RecordStatus.NotFound:
                await NotFoundAsync(context, db, id);
                break;
            case RecordStatus.Conflict:
                await ApiResponse.ErrorAsync(context, 409, "conflict",
                    $"Record '{ApiResponse.Quote(id)}' is at rev '{reply.CurrentRev}'; the {what} gave rev '{ApiResponse.Quote(rev)}'. Nothing was written.");
                break;
            case RecordStatus.NothingToUndo:
                await ApiResponse.ErrorAsync(context, 409, "nothing_to_undo", reply.Reason ?? $"Record '{ApiResponse.Quote(id)}' has nothing to undo.");
                break;
            case RecordStatus.NothingToRedo:
                await ApiResponse.ErrorAsync(context, 409, "nothing_to_redo", reply.Reason ?? $"Record '{ApiResponse.Quote(id)}' has nothing to redo.");
                break;
            case RecordStatus.TestFailed:
                await ApiResponse.ErrorAsync(context, 422, "test_failed", reply.Reason ?? "A JSON Patch test operation failed; nothing was written.");
                break;
            case RecordStatus.Invalid:
                await ApiResponse.ErrorAsync(context, 400, what == "patch" ? "bad_patch" : "invalid_document", reply.Reason ?? $"The {what} cannot be applied.");
                break;
            default:
                await ApiResponse.ErrorAsync(context, 503, "quorum_unavailable",
                    $"Record '{ApiResponse.Quote(id)}' is durable on this mirror but a write quorum of mirrors did not confirm it in time; it will replicate when they return.");
                break;
        }
    }

    private static IRecordGrain Grain(HttpContext context, string db, string id) =>
        context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IRecordGrain>(RecordKey.For(db, id));

    private static Task NotFoundAsync(HttpContext context, string db, string id) =>
        ApiResponse.ErrorAsync(context, 404, "not_found", $"Record '{ApiResponse.Quote(id)}' not found in database '{db}'.");

    private static string? MediaTypeOf(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType)) return null;
        int semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim();
    }
}
