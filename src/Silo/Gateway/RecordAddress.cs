using Microsoft.AspNetCore.Http.Features;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// The record id of <c>/db/{db}/doc/{id}</c> (and <c>/db/{db}/conflicts/{id}</c>), taken from the raw request target
/// and URL-decoded once, so ids with encoded slashes (<c>%2FComedy%2FMontyPython</c>) and plain slashes both work.
/// </summary>
internal static class RecordAddress
{
    public static string IdOf(HttpContext context)
    {
        string? raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (!string.IsNullOrEmpty(raw) && raw.StartsWith("/db/", StringComparison.Ordinal))
        {
            int query = raw.IndexOf('?', StringComparison.Ordinal);
            string path = query >= 0 ? raw[..query] : raw;
            int dbEnd = path.IndexOf('/', 4);
            int kindEnd = dbEnd > 4 ? path.IndexOf('/', dbEnd + 1) : -1;
            if (kindEnd > dbEnd + 1)
                return Uri.UnescapeDataString(path[(kindEnd + 1)..]);
        }
        return context.Request.RouteValues["id"] as string ?? "";
    }
}
