using MyNoSql.Silo.Gateway;

namespace MyNoSql.Silo.Security;

/// <summary>
/// Enforces <see cref="RouteAccess"/> once routing picked the endpoint: 401 with <c>WWW-Authenticate: Bearer</c> for a
/// missing, malformed, unknown or expired key; 403 for a valid key without the right or the database. Both carry the
/// gateway's JSON error body; neither ever contains the key.
/// </summary>
internal sealed partial class AuthorizationMiddleware(RequestDelegate next, ILogger<AuthorizationMiddleware> logger)
{
    private const string Challenge = "Bearer realm=\"mynosql\"";

    public Task InvokeAsync(HttpContext context)
    {
        var credential = context.Features.Get<Credential>() ?? Credential.NotRequired;
        if (credential.State == CredentialState.NotRequired) return next(context);
        var access = RouteAccess.For(context);
        if (access.Open) return next(context);
        string ip = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        switch (credential.State)
        {
            case CredentialState.Missing:
                LogMissing(logger, context.Request.Method, context.Request.Path, ip);
                return UnauthorizedAsync(context, Challenge, "unauthorized",
                    "This mirror needs an API key: send Authorization: Bearer <key>.");
            case CredentialState.Malformed:
                LogRejected(logger, context.Request.Method, context.Request.Path, ip, credential.Detail!);
                return UnauthorizedAsync(context, Challenge + ", error=\"invalid_request\"", "unauthorized",
                    $"Send the API key as Authorization: Bearer <key>: {credential.Detail}.");
            case CredentialState.Unknown:
                LogRejected(logger, context.Request.Method, context.Request.Path, ip, "unknown or revoked key");
                return UnauthorizedAsync(context, Challenge + ", error=\"invalid_token\"", "invalid_key",
                    "The API key is not valid on this mirror (unknown or revoked).");
            case CredentialState.Expired:
                var key = credential.Key!;
                LogRejected(logger, context.Request.Method, context.Request.Path, ip, $"key '{key.Name}' expired");
                return UnauthorizedAsync(context, Challenge + ", error=\"invalid_token\"", "expired_key",
                    $"The API key '{key.Name}' expired at {key.Expires!.Value.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}.");
        }
        var valid = credential.Key!;
        if (access.Right is AccessRight right && valid.Right < right
            || access.Database is string db && !valid.AllowsDatabase(db))
        {
            string reason = access.Database is string d && !valid.AllowsDatabase(d)
                ? $"The API key '{valid.Name}' does not cover database '{d}'."
                : $"The API key '{valid.Name}' has {valid.Right.ToString().ToLowerInvariant()} rights; {context.Request.Method} {ApiResponse.Quote(context.Request.Path)} needs {access}.";
            LogForbidden(logger, context.Request.Method, context.Request.Path, ip, valid.Name);
            context.Response.Headers.WWWAuthenticate = Challenge + ", error=\"insufficient_scope\"";
            return ApiResponse.ErrorAsync(context, StatusCodes.Status403Forbidden, "forbidden", reason);
        }
        return next(context);
    }

    private static Task UnauthorizedAsync(HttpContext context, string challenge, string code, string reason)
    {
        // CouchDB clients (/couch, src/Silo/Couch) read CouchDB's code: every 401 is "unauthorized" there, with a Basic challenge.
        bool couch = context.Request.Path.StartsWithSegments("/couch", StringComparison.Ordinal);
        context.Response.Headers.WWWAuthenticate = couch ? "Basic realm=\"mynosql\"" : challenge;
        return ApiResponse.ErrorAsync(context, StatusCodes.Status401Unauthorized, couch ? "unauthorized" : code, reason);
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Debug, Message = "401 {Method} {Path} from {Client}: no API key")]
    private static partial void LogMissing(ILogger logger, string method, string path, string client);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "401 {Method} {Path} from {Client}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string method, string path, string client, string reason);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "403 {Method} {Path} from {Client}: key '{Key}' lacks the right or database")]
    private static partial void LogForbidden(ILogger logger, string method, string path, string client, string key);
}
