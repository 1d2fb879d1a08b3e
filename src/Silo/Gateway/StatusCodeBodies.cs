using Microsoft.AspNetCore.Diagnostics;

namespace MyNoSql.Silo.Gateway;

/// <summary>Gives the routing layer's own 4xx answers (unknown route, wrong method) the JSON error body.</summary>
internal static class StatusCodeBodies
{
    public static Task WriteAsync(StatusCodeContext status)
    {
        var context = status.HttpContext;
        return context.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => ApiResponse.ErrorAsync(context, 404, "not_found",
                $"No route {context.Request.Method} {ApiResponse.Quote(context.Request.Path)}."),
            StatusCodes.Status405MethodNotAllowed => ApiResponse.ErrorAsync(context, 405, "method_not_allowed",
                $"{context.Request.Method} is not allowed on {ApiResponse.Quote(context.Request.Path)}; allowed: {context.Response.Headers.Allow}."),
            StatusCodes.Status415UnsupportedMediaType => ApiResponse.ErrorAsync(context, 415, "unsupported_media_type",
                "The body must be JSON (Content-Type: application/json)."),
            int code when code is >= 400 and < 500 => ApiResponse.ErrorAsync(context, code, "bad_request", $"HTTP {code}."),
            int code => ApiResponse.ErrorAsync(context, code, "internal", $"HTTP {code}."),
        };
    }
}
