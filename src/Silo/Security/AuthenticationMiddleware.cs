namespace MyNoSql.Silo.Security;

/// <summary>
/// Works out who is calling from <c>Authorization: Bearer &lt;key&gt;</c> (or <c>X-Api-Key: &lt;key&gt;</c>) and records it
/// as a <see cref="Credential"/> feature; it rejects nothing itself, so the rate limiter after it can count failed
/// attempts per client address and <see cref="AuthorizationMiddleware"/> answers 401/403 per route. Keys are never
/// accepted in the URL (proxies and request logs keep URLs) and never logged.
/// </summary>
internal sealed class AuthenticationMiddleware(RequestDelegate next, ApiKeyStore? keys)
{
    public Task InvokeAsync(HttpContext context)
    {
        context.Features.Set(keys is null ? Credential.NotRequired : Authenticate(context.Request.Headers, keys));
        return next(context);
    }

    internal static Credential Authenticate(IHeaderDictionary headers, ApiKeyStore keys)
    {
        string? presented;
        var authorization = headers.Authorization;
        if (authorization.Count > 0)
        {
            if (authorization.Count > 1) return new Credential(CredentialState.Malformed, Detail: "more than one Authorization header");
            string value = authorization[0] ?? "";
            int space = value.IndexOf(' ', StringComparison.Ordinal);
            string scheme = space < 0 ? value : value[..space];
            if (!scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
                return new Credential(CredentialState.Malformed, Detail: $"the Authorization scheme must be Bearer (got '{(scheme.Length <= 20 ? scheme : scheme[..20])}')");
            presented = space < 0 ? "" : value[(space + 1)..].Trim();
        }
        else if (headers.TryGetValue("X-Api-Key", out var apiKey))
        {
            if (apiKey.Count > 1) return new Credential(CredentialState.Malformed, Detail: "more than one X-Api-Key header");
            presented = (apiKey[0] ?? "").Trim();
        }
        else return new Credential(CredentialState.Missing);
        if (presented.Length == 0) return new Credential(CredentialState.Malformed, Detail: "the key is empty");
        var key = keys.Find(presented);
        if (key is null) return new Credential(CredentialState.Unknown);
        return key.IsExpired(keys.Now) ? new Credential(CredentialState.Expired, key) : new Credential(CredentialState.Valid, key);
    }
}
