using Microsoft.AspNetCore.Http.Features;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// The record id of <c>/db/{db}/doc/{id}</c> (and <c>/db/{db}/conflicts/{id}</c>), taken from the raw request target
/// and URL-decoded once, so ids with encoded slashes (<c>%2FComedy%2FMontyPython</c>) and plain slashes both work.
/// An operation on a record is a last path segment after its id (<c>/db/{db}/doc/{id}/_history</c>): a last segment
/// sent as a plain <c>/</c> followed by one of the operation names the route knows is the operation, so an id that itself
/// ends with such a segment is sent with its own slash encoded (<c>a%2F_history</c>), which is never mistaken for one.
/// </summary>
internal static class RecordAddress
{
    public static string IdOf(HttpContext context) => Uri.UnescapeDataString(RawIdOf(context));

    /// <summary>The record id and the operation (one of <paramref name="operations"/>, or null for the record itself).</summary>
    public static (string Id, string? Operation) IdAndOperationOf(HttpContext context, params ReadOnlySpan<string> operations)
    {
        string raw = RawIdOf(context);
        int slash = raw.LastIndexOf('/');
        if (slash > 0)
        {
            string last = raw[(slash + 1)..];
            foreach (var operation in operations)
            {
                if (string.Equals(last, operation, StringComparison.Ordinal)) return (Uri.UnescapeDataString(raw[..slash]), operation);
            }
        }
        return (Uri.UnescapeDataString(raw), null);
    }

    /// <summary>
    /// The record id and attachment name of <c>/db/{db}/doc/{id}/att/{name}</c> (DESIGN §9): the raw id path split at its
    /// LAST plain <c>/att/</c>, both sides URL-decoded once; false when there is no such split (a record request). An id
    /// that itself contains <c>/att/</c> is sent with that slash encoded (<c>a%2Fatt%2Fb</c>), a name with <c>/att/</c> likewise.
    /// A plain <c>/att/</c> with nothing before or after it (<c>doc//att/a</c>, <c>doc/a/att/</c>) is still an attachment
    /// request, with an empty id or name for the caller to refuse, never a record whose id contains <c>/att/</c>.
    /// </summary>
    public static bool TryAttachmentOf(HttpContext context, out string id, out string name)
    {
        string raw = RawIdOf(context);
        int split = raw.LastIndexOf("/att/", StringComparison.Ordinal);
        if (split < 0)
        {
            id = name = "";
            return false;
        }
        id = Uri.UnescapeDataString(raw[..split]);
        name = Uri.UnescapeDataString(raw[(split + 5)..]);
        return true;
    }

    // The id part of the path as sent (still URL-encoded); from the route values (already decoded once) when the raw
    // target is not available.
    private static string RawIdOf(HttpContext context)
    {
        string? raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (!string.IsNullOrEmpty(raw) && raw.StartsWith("/db/", StringComparison.Ordinal))
        {
            int query = raw.IndexOf('?', StringComparison.Ordinal);
            string path = query >= 0 ? raw[..query] : raw;
            int dbEnd = path.IndexOf('/', 4);
            int kindEnd = dbEnd > 4 ? path.IndexOf('/', dbEnd + 1) : -1;
            if (kindEnd > dbEnd + 1)
                return path[(kindEnd + 1)..];
        }
        return (context.Request.RouteValues["id"] as string ?? "").Replace("%", "%25", StringComparison.Ordinal);
    }
}
