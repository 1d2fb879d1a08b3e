using MyNoSql.Silo.Gateway;

namespace MyNoSql.Silo.Security;

/// <summary>
/// A <c>--read-only</c> mirror's gateway (DESIGN §9): every route <see cref="RouteAccess"/> classifies as a write gets
/// 403 <c>read_only</c> with the gateway's JSON error body, whether API keys are on or off (it runs after authorization,
/// so a missing key still gets its 401 first). Reads, queries and sync pulls pass; the mirror keeps its full copy
/// through the cluster's internal replication (grain calls), which never crosses this gateway.
/// </summary>
internal sealed partial class ReadOnlyMiddleware(RequestDelegate next, ILogger<ReadOnlyMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var access = RouteAccess.For(context);
        if (access.Right != AccessRight.Write) return next(context);
        string route = $"{context.Request.Method} {ApiResponse.Quote(context.Request.Path)}";
        LogRefused(logger, context.Request.Method, context.Request.Path, access.Database ?? "");
        return ApiResponse.ErrorAsync(context, StatusCodes.Status403Forbidden, "read_only",
            $"This mirror is read-only: {route} would change database '{access.Database}'; send writes to a writable mirror.");
    }

    [LoggerMessage(EventId = 3013, Level = LogLevel.Debug, Message = "403 {Method} {Path}: read-only mirror refuses writes to database '{Database}'")]
    private static partial void LogRefused(ILogger logger, string method, string path, string database);
}
