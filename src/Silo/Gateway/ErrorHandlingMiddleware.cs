using Microsoft.AspNetCore.Http.Features;
using MyNoSql.Grains.Storage;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// Last line of defence: bad requests Kestrel detects become their 4xx with the JSON error body, malformed documents
/// (<see cref="DocumentFormatException"/>) a 400 whose code names the part that is wrong; anything
/// unexpected is logged and becomes a 500 with the JSON body (a 5xx means a bug), whose reason only points to the log
/// entry (the exception's text can carry stack traces and source paths); an unreachable cluster is a 503,
/// which names the lost membership holder when that is why (<see cref="MembershipHolder"/>); a record whose copy is
/// damaged with no good copy to rewrite it from is a 503 naming database, id, file and offset (<see cref="DamagedRecordException"/>);
/// a full disk is a 503 naming the mirror, the store and the record (<see cref="MirrorStorageFullException"/>).
/// </summary>
internal sealed partial class ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> logger, MembershipHolder holder)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (BadHttpRequestException e)
        {
            if (!context.Response.HasStarted)
            {
                string code = e.StatusCode == StatusCodes.Status413PayloadTooLarge ? "too_large" : "bad_request";
                await ApiResponse.ErrorAsync(context, e.StatusCode, code, e.Message).ConfigureAwait(false);
            }
        }
        catch (DocumentFormatException e)
        {
            if (!context.Response.HasStarted)
                await ApiResponse.ErrorAsync(context, StatusCodes.Status400BadRequest, CodeOf(e.Part), ApiResponse.Reason(e)).ConfigureAwait(false);
        }
        catch (Exception e) when (DamageOf(e) is { } damaged)
        {
            LogDamaged(context.Request.Method, context.Request.Path, damaged.Message);
            if (!context.Response.HasStarted)
                await ApiResponse.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "unavailable", damaged.Message).ConfigureAwait(false);
        }
        catch (Exception e) when (MirrorStorageFullException.Find(e) is { } full)
        {
            LogStorageFull(context.Request.Method, context.Request.Path, full.Message);
            if (!context.Response.HasStarted)
                await ApiResponse.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "unavailable",
                    full is MirrorStorageFullException ? full.Message
                        : $"This mirror's disk is full, so it could not store the write ({full.Message}). The other mirrors may have stored it " +
                          "all the same: read it back before repeating the write.").ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            LogUnavailable(e, context.Request.Method, context.Request.Path);
            if (!context.Response.HasStarted)
                await ApiResponse.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "unavailable",
                    await UnavailableReasonAsync(context.Request.Method, context.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogUnexpected(e, context.Request.Method, context.Request.Path, context.TraceIdentifier);
            if (context.Response.HasStarted)
            {
                context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
                context.Abort();
                return;
            }
            context.Response.Clear();
            await ApiResponse.ErrorAsync(context, StatusCodes.Status500InternalServerError, "internal",
                $"Internal error in the mirror; see the mirror's log, event 3040, request {context.TraceIdentifier}.").ConfigureAwait(false);
        }
    }

    private async Task<string> UnavailableReasonAsync(string method, CancellationToken cancellationToken)
    {
        // The gateway stops waiting when its retry limit runs out, not when the cluster gives up on the call.
        string outcome = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) ? ""
            : " If this was a write, it may still be applied: read the record back before repeating it.";
        string? lost;
        try
        {
            lost = await holder.LostAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lost = null; // the client left; the answer goes nowhere
        }
        return lost is null
            ? "The mirror cluster did not answer in time; retry." + outcome
            : $"The mirror cluster did not answer in time: the first mirror {lost}, which holds the cluster membership under " +
              "localhost clustering, is unreachable, so the grains it hosted cannot fail over until it is back (restart it on the " +
              "same silo port). To survive the loss of any one mirror, run the mirrors with --clustering adonet (deploy/README.md)." + outcome;
    }

    /// <summary>The error code of a malformed document, by the part that is wrong (the one mapping of parse errors to codes).</summary>
    internal static string CodeOf(DocumentPart part) => part switch
    {
        DocumentPart.Encoding or DocumentPart.Syntax => "bad_json",
        DocumentPart.Root => "not_object",
        DocumentPart.Id => "invalid_id",
        _ => "invalid_document",
    };

    /// <summary>The <see cref="DamagedRecordException"/> in <paramref name="e"/> or its inner exceptions, if any.</summary>
    internal static DamagedRecordException? DamageOf(Exception? e) => e switch
    {
        null => null,
        DamagedRecordException damaged => damaged,
        AggregateException all => all.InnerExceptions.Select(DamageOf).FirstOrDefault(d => d is not null),
        _ => DamageOf(e.InnerException),
    };

    internal static bool IsUnavailable(Exception e) => Grains.Sync.UnavailableRetryPolicy.IsUnavailable(e);

    [LoggerMessage(EventId = 3040, Level = LogLevel.Error, Message = "Unexpected error handling {Method} {Path} (request {RequestId})")]
    private partial void LogUnexpected(Exception error, string method, string path, string requestId);

    [LoggerMessage(EventId = 3042, Level = LogLevel.Warning, Message = "Damaged record handling {Method} {Path}: {Reason}")]
    private partial void LogDamaged(string method, string path, string reason);

    [LoggerMessage(EventId = 3043, Level = LogLevel.Error, Message = "Disk full handling {Method} {Path}: {Reason}")]
    private partial void LogStorageFull(string method, string path, string reason);

    [LoggerMessage(EventId = 3041, Level = LogLevel.Warning, Message = "Cluster unavailable handling {Method} {Path}")]
    private partial void LogUnavailable(Exception error, string method, string path);
}
