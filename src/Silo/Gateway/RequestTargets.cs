using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// Checks the path of a request under <c>/db/</c> or <c>/couch/</c> as the client sent it, before routing.
/// <list type="bullet">
/// <item>Kestrel removes <c>.</c> and <c>..</c> segments, percent-encoded ones too, so <c>DELETE /db/d/doc/%2E%2E</c> would
/// reach <c>/db/d/</c>, the database itself (a drop on every mirror). Record ids <c>.</c> and <c>..</c> are valid
/// (DESIGN §2), so a path with such a segment is routed as sent.</item>
/// <item>A path that is not valid percent-encoded UTF-8 (<c>%zz</c>, <c>%FF</c>) gets 400 <c>invalid_id</c>: decoding
/// would otherwise keep it literally, and <c>%zz</c> and <c>%25zz</c> would name the same record.</item>
/// </list>
/// </summary>
internal static class RequestTargets
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The middleware.</summary>
    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        string path = PathAsSent(context);
        if (!(path.StartsWith("/db/", StringComparison.Ordinal) || path.StartsWith("/couch/", StringComparison.Ordinal)))
            return next(context);
        if (!IsValidEncoding(path))
            return ApiResponse.ErrorAsync(context, 400, "invalid_id",
                $"The path '{ApiResponse.Quote(path)}' is not valid percent-encoded UTF-8: encode each byte of an id's UTF-8 as %XX (two hex digits).");
        if (HasDotSegment(path)) context.Request.Path = PathString.FromUriComponent(path); // decoded as Kestrel decodes, dots kept
        return next(context);
    }

    /// <summary>The request's path as the client sent it (before Kestrel's decoding and dot-segment removal).</summary>
    public static string PathAsSent(HttpContext context)
    {
        string? raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/') return context.Request.Path.ToUriComponent();
        int query = raw.IndexOf('?', StringComparison.Ordinal);
        return query >= 0 ? raw[..query] : raw;
    }

    /// <summary>True when every <c>%</c> is followed by two hex digits and the decoded bytes are UTF-8.</summary>
    internal static bool IsValidEncoding(string path)
    {
        if (!path.Contains('%', StringComparison.Ordinal)) return true;
        var bytes = new List<byte>(path.Length);
        for (int i = 0; i < path.Length; i++)
        {
            char c = path[i];
            if (c != '%')
            {
                if (c <= 0x7F) bytes.Add((byte)c);
                else bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString())); // sent unencoded: already text
                continue;
            }
            if (i + 2 >= path.Length || !char.IsAsciiHexDigit(path[i + 1]) || !char.IsAsciiHexDigit(path[i + 2])) return false;
            bytes.Add(Convert.ToByte(path.Substring(i + 1, 2), 16));
            i += 2;
        }
        try
        {
            StrictUtf8.GetCharCount([.. bytes]);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>True when a segment of the path is <c>.</c> or <c>..</c>, plain or percent-encoded.</summary>
    internal static bool HasDotSegment(string path)
    {
        foreach (var segment in path.Split('/'))
        {
            string s = segment.Replace("%2E", ".", StringComparison.OrdinalIgnoreCase);
            if (s is "." or "..") return true;
        }
        return false;
    }
}
