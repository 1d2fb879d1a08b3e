using Microsoft.Extensions.Options;
using MyNoSql.Grains;
using MyNoSql.Grains.Query;
using MyNoSql.Silo.Configuration;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// The document routes of DESIGN §4: save (POST/PUT), read (GET) and delete (DELETE) one record; and
/// <c>GET /db/{db}/conflicts/{id}</c>: the winner's rev and every live losing revision, whole
/// (<c>{"id","rev","conflicts":[record…]}</c>; deleting a loser by its rev resolves it). The routes of DESIGN §8 on
/// the same records are <see cref="HistoryEndpoints"/> and <see cref="MergePolicyEndpoints"/>, mapped here.
/// </summary>
internal static class DocumentEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/db/{db}/doc", (HttpContext c, string db) => SaveAsync(c, db, routeId: null));
        // DESIGN §9: an id path whose last plain "/att/" is followed by a name addresses an attachment (AttachmentEndpoints).
        app.MapPut("/db/{db}/doc/{**id}", async (HttpContext c, string db) =>
        {
            if (!await AttachmentEndpoints.TryServeAsync(c, db)) await SaveAsync(c, db, RecordAddress.IdOf(c));
        });
        // HEAD as GET: Kestrel sends the headers (Content-Length, ETag) and drops the body a HEAD response must not carry.
        app.MapMethods("/db/{db}/doc/{**id}", [HttpMethods.Get, HttpMethods.Head], async (HttpContext c, string db) =>
        {
            if (!await AttachmentEndpoints.TryServeAsync(c, db)) await ReadAsync(c, db);
        });
        app.MapDelete("/db/{db}/doc/{**id}", async (HttpContext c, string db) =>
        {
            if (!await AttachmentEndpoints.TryServeAsync(c, db)) await DeleteAsync(c, db);
        });
        AttachmentSyncEndpoints.Map(app);
        app.MapGet("/db/{db}/conflicts/{**id}", ConflictsAsync);
        // DESIGN §8 on the same records: history, kept revisions, undo/redo, patches, merge policies and resolution.
        HistoryEndpoints.Map(app);
        MergePolicyEndpoints.Map(app);
    }

    private static async Task SaveAsync(HttpContext context, string db, string? routeId)
    {
        if (!await CheckDatabaseAsync(context, db)) return;
        if (routeId is not null && !await CheckIdAsync(context, routeId)) return;
        if (await ReadRecordBodyAsync(context, "body", routeId) is not { } request) return;
        if (await LockEndpoints.ParseFenceAsync(context) is not { } fence) return; // DESIGN §9: ?fence=NAME:TOKEN
        string id = routeId ?? request.Id ?? DocumentId.NewId();
        var grains = context.RequestServices.GetRequiredService<IGrainFactory>();
        var grain = grains.GetGrain<IRecordGrain>(RecordKey.For(db, id));
        var reply = fence.Name is null
            ? await RetriedWrites.SaveAsync(context, grain, request.Rev, request.Body)
            : await ClusterCall.RetryAsync(context, () => grain.SaveFenced(request.Rev, request.Body, fence.Name, fence.Token, context.RequestAborted).AsTask());
        switch (reply.Status)
        {
            case RecordStatus.Ok:
                // Before the answer: a _find through this gateway after it must reflect the save (read-your-writes).
                context.RequestServices.GetRequiredService<AcknowledgedWrites>().Note(db, id, reply.Document!.Rev);
                await ApiResponse.JsonBytesAsync(context, 201, reply.Document!.Json);
                break;
            case RecordStatus.Conflict:
                await ApiResponse.ErrorAsync(context, 409, "conflict",
                    $"Record '{ApiResponse.Quote(id)}' is at rev '{reply.CurrentRev}'; the save gave rev '{ApiResponse.Quote(request.Rev)}'. Nothing was written.");
                break;
            case RecordStatus.Invalid:
                await ApiResponse.ErrorAsync(context, 400, ErrorHandlingMiddleware.CodeOf(DocumentPart.Content), reply.Reason ?? "The record cannot be stored.");
                break;
            case RecordStatus.Fenced:
                await LockEndpoints.FencedAsync(context, reply.Reason);
                break;
            default:
                await QuorumMissedAsync(context, id);
                break;
        }
    }

    private static async Task ReadAsync(HttpContext context, string db)
    {
        var (id, operation) = RecordAddress.IdAndOperationOf(context, HistoryEndpoints.History);
        if (!await CheckDatabaseAsync(context, db) || !await CheckIdAsync(context, id)) return;
        if (operation is not null)
        {
            await HistoryEndpoints.HistoryAsync(context, db, id);
            return;
        }
        if (context.Request.Query.ContainsKey("rev"))
        {
            await HistoryEndpoints.ReadRevisionAsync(context, db, id, context.Request.Query["rev"].FirstOrDefault());
            return;
        }
        var grains = context.RequestServices.GetRequiredService<IGrainFactory>();
        var record = grains.GetGrain<IRecordGrain>(RecordKey.For(db, id));
        var reply = await ClusterCall.RetryAsync(context, () => record.Read(context.RequestAborted).AsTask());
        if (reply is null)
            await ApiResponse.ErrorAsync(context, 404, "not_found", $"Record '{ApiResponse.Quote(id)}' not found in database '{db}'.");
        else
            await ApiResponse.JsonBytesAsync(context, 200, reply.Json);
    }

    private static async Task ConflictsAsync(HttpContext context, string db)
    {
        string id = RecordAddress.IdOf(context);
        if (!await CheckDatabaseAsync(context, db) || !await CheckIdAsync(context, id)) return;
        var record = context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IRecordGrain>(RecordKey.For(db, id));
        var winner = await ClusterCall.RetryAsync(context, () => record.Read(context.RequestAborted).AsTask());
        if (winner is null)
        {
            await ApiResponse.ErrorAsync(context, 404, "not_found", $"Record '{ApiResponse.Quote(id)}' not found in database '{db}'.");
            return;
        }
        var losers = await ClusterCall.RetryAsync(context, () => record.GetConflicts(context.RequestAborted).AsTask());
        context.Response.StatusCode = 200;
        await ApiResponse.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("rev", winner.Rev);
            w.WriteStartArray("conflicts");
            foreach (var loser in losers) w.WriteRawValue(loser.Json, skipInputValidation: true);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static async Task DeleteAsync(HttpContext context, string db)
    {
        string id = RecordAddress.IdOf(context);
        if (!await CheckDatabaseAsync(context, db) || !await CheckIdAsync(context, id)) return;
        string? rev = context.Request.Query["rev"].FirstOrDefault();
        var grains = context.RequestServices.GetRequiredService<IGrainFactory>();
        var reply = await RetriedWrites.DeleteAsync(context, grains.GetGrain<IRecordGrain>(RecordKey.For(db, id)), rev);
        switch (reply.Status)
        {
            case RecordStatus.Ok:
                context.RequestServices.GetRequiredService<AcknowledgedWrites>().Note(db, id, reply.Rev!);
                context.Response.StatusCode = 200;
                await ApiResponse.WriteAsync(context, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("id", id);
                    w.WriteString("rev", reply.Rev);
                    w.WriteEndObject();
                });
                break;
            case RecordStatus.NotFound:
                await ApiResponse.ErrorAsync(context, 404, "not_found", $"Record '{ApiResponse.Quote(id)}' not found in database '{db}'.");
                break;
            case RecordStatus.Conflict:
                await ApiResponse.ErrorAsync(context, 409, "conflict",
                    $"Record '{ApiResponse.Quote(id)}' is at rev '{reply.CurrentRev}'; the delete gave rev '{ApiResponse.Quote(rev)}'. Nothing was written.");
                break;
            default:
                await QuorumMissedAsync(context, id);
                break;
        }
    }

    /// <summary>
    /// The request's record: 415 unless sent as JSON or parsing as a JSON object, 413 over the maximum document size, 400 <c>id_mismatch</c> when its
    /// id differs from <paramref name="routeId"/>; a malformed body throws <see cref="DocumentFormatException"/>, which
    /// ErrorHandlingMiddleware answers with 400. Null once an error was answered.
    /// </summary>
    internal static async Task<ParsedDocument?> ReadRecordBodyAsync(HttpContext context, string what, string? routeId)
    {
        int max = context.RequestServices.GetRequiredService<IOptions<MirrorOptions>>().Value.MaxDocumentSize;
        var body = await RequestBody.ReadJsonAsync(context, max, $"The body is larger than the maximum document size of {max} bytes.", $"The {what} must be a JSON object");
        if (body is null) return null;
        var request = DocumentCodec.ParseUtf8(body, max);
        if (routeId is not null && request.Id is not null && !string.Equals(request.Id, routeId, StringComparison.Ordinal))
        {
            await ApiResponse.ErrorAsync(context, 400, "id_mismatch",
                $"The body's id '{ApiResponse.Quote(request.Id)}' differs from the URL's id '{ApiResponse.Quote(routeId)}'.");
            return null;
        }
        return request;
    }

    internal static async Task<bool> CheckDatabaseAsync(HttpContext context, string db)
    {
        if (DatabaseName.IsValid(db)) return true;
        await ApiResponse.ErrorAsync(context, 400, "invalid_db",
            $"Invalid database name '{ApiResponse.Quote(db)}': use 1–{DatabaseName.MaxLength} characters of [a-z0-9_-], starting with a letter.");
        return false;
    }

    internal static async Task<bool> CheckIdAsync(HttpContext context, string id)
    {
        try
        {
            DocumentId.Validate(id);
            return true;
        }
        catch (ArgumentException e)
        {
            await ApiResponse.ErrorAsync(context, 400, "invalid_id", ApiResponse.Reason(e));
            return false;
        }
    }

    private static Task QuorumMissedAsync(HttpContext context, string id) =>
        ApiResponse.ErrorAsync(context, 503, "quorum_unavailable",
            $"Record '{ApiResponse.Quote(id)}' is durable on this mirror but a write quorum of mirrors did not confirm it in time; it will replicate when they return.");
}
