namespace MyNoSql.Silo.Security;

/// <summary>
/// Works out who is calling from <c>Authorization: Bearer &lt;key&gt;</c>, on <c>/couch</c> also <c>Authorization: Basic</c>
/// with the key as the password and any user name (CouchDB clients, src/Silo/Couch), or <c>X-Api-Key: &lt;key&gt;</c>, and records it
/// as a <see cref="Credential"/> feature; it rejects nothing itself, so the rate limiter after it can count failed
/// attempts per client address and <see cref="AuthorizationMiddleware"/> answers 401/403 per route. Keys are never
/// accepted in the URL (proxies and request logs keep URLs) and never logged.
/// </summary>
internal sealed class AuthenticationMiddleware(RequestDelegate next, ApiKeyStore? keys)
{
    public Task InvokeAsync(HttpContext context)
    {
        context.Features.Set(keys is null ? Credential.NotRequired
            : Authenticate(context.Request.Headers, keys, allowBasic: context.Request.Path.StartsWithSegments("/couch", StringComparison.Ordinal)));
        return next(context);
    }

    /// <param name="headers">The request's headers.</param>
    /// <param name="keys">The mirror's keys.</param>
    /// <param name="allowBasic">Accept Basic credentials (the CouchDB routes only; the native routes keep Bearer).</param>
    internal static Credential Authenticate(IHeaderDictionary headers, ApiKeyStore keys, bool allowBasic = false)
    {
        string? presented;
        var authorization = headers.Authorization;
        if (authorization.Count > 0)
        {
            if (authorization.Count > 1) return new Credential(CredentialState.Malformed, Detail: "more than one Authorization header");
            string value = authorization[0] ?? "";
            int space = value.IndexOf(' ', StringComparison.Ordinal);
            string scheme = space < 0 ? value : value[..space];
            if (allowBasic && scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            {
                // What PouchDB and CouchDB replicators send (http://user:KEY@host/couch/db): the key is the password, any user name.
                if (!TryBasicPassword(space < 0 ? "" : value[(space + 1)..].Trim(), out presented))
                    return new Credential(CredentialState.Malformed, Detail: "Basic credentials must be base64 of user:key");
            }
            else if (!scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
                return new Credential(CredentialState.Malformed, Detail: $"the Authorization scheme must be {(allowBasic ? "Bearer or Basic" : "Bearer")} (got '{(scheme.Length <= 20 ? scheme : scheme[..20])}')");
            else presented = space < 0 ? "" : value[(space + 1)..].Trim();
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

    /// <summary>The password of Basic credentials (<c>base64(user:password)</c>); false when they do not decode.</summary>
    private static bool TryBasicPassword(string encoded, out string password)
    {
        password = "";
        var bytes = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, bytes, out int length)) return false;
        string text;
        try
        {
            text = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, length);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return false;
        }
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0) return false;
        password = text[(colon + 1)..].Trim();
        return true;
    }
}
