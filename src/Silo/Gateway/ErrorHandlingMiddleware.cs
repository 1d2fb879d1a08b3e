using Microsoft.AspNetCore.Http.Features;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// Last line of defence: bad requests Kestrel detects become their 4xx with the JSON error body; anything
/// unexpected is logged and becomes a 500 with the JSON body (a 5xx means a bug); an unreachable cluster is a 503.
/// </summary>
internal sealed partial class ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> logger)
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
        catch (Exception e) when (IsUnavailable(e))
        {
            LogUnavailable(e, context.Request.Method, context.Request.Path);
            if (!context.Response.HasStarted)
                await ApiResponse.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "unavailable",
                    "The mirror cluster did not answer in time; retry.").ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogUnexpected(e, context.Request.Method, context.Request.Path);
            if (context.Response.HasStarted)
            {
                context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
                context.Abort();
                return;
            }
            context.Response.Clear();
            await ApiResponse.ErrorAsync(context, StatusCodes.Status500InternalServerError, "internal",
                $"Unexpected {e.GetType().Name} in the mirror (logged): {e.Message}").ConfigureAwait(false);
        }
    }

    internal static bool IsUnavailable(Exception e) => Grains.Sync.UnavailableRetryPolicy.IsUnavailable(e);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected error handling {Method} {Path}")]
    private partial void LogUnexpected(Exception error, string method, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster unavailable handling {Method} {Path}")]
    private partial void LogUnavailable(Exception error, string method, string path);
}
