using MyNoSql.Sync;

namespace MyNoSql.Local;

/// <summary>Validation and normalisation of mirror base URLs given to <see cref="MyNoSqlDb.AddPeerAsync"/>.</summary>
internal static class MirrorUrl
{
    private static readonly string[] Schemes = ["http", "https", "orleans"];

    /// <param name="url">The URL as the application gave it.</param>
    /// <param name="transports">The database's transports by scheme (<see cref="MyNoSqlOptions.Transports"/>): their schemes are accepted too.</param>
    /// <exception cref="ArgumentException">Not an absolute http://, https:// or orleans:// URL with a host, or carries credentials, a query or a fragment.</exception>
    public static string Normalize(string url, IReadOnlyDictionary<string, Func<ISyncTransport>> transports)
    {
        if (string.IsNullOrWhiteSpace(url))
            throw new ArgumentException("A mirror URL is required, e.g. http://mirrorhost:8800.", nameof(url));
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || !(Schemes.Contains(uri.Scheme) || transports.ContainsKey(uri.Scheme)) || string.IsNullOrEmpty(uri.Host))
            throw new ArgumentException($"'{url}' is not a mirror URL: use http://host:port, https://host:port or orleans://host:port.", nameof(url));
        if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
            throw new ArgumentException($"'{url}': a mirror URL carries no credentials, query or fragment (credentials go in MyNoSqlOptions).", nameof(url));
        if (uri.Scheme == "orleans" && uri.IsDefaultPort)
            throw new ArgumentException($"'{url}': an orleans:// URL needs the gateway port, e.g. orleans://host:30000.", nameof(url));
        return uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }
}
