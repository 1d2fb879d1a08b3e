namespace MyNoSql.Storage.Query;

/// <summary>
/// A malformed Mango query (HTTP 400 <c>bad_query</c>). The message starts with the part that is wrong, e.g.
/// <c>selector.total.$gte: ...</c>, <c>sort[1]: ...</c>, <c>limit: ...</c>; <see cref="Part"/> holds that part alone.
/// </summary>
internal sealed class BadQueryException : ArgumentException
{
    public BadQueryException(string part, string reason)
        : base($"{part}: {reason}") => Part = part;

    public BadQueryException(string part, string reason, Exception inner)
        : base($"{part}: {reason}", inner) => Part = part;

    /// <summary>The part of the query that is wrong (<c>selector.a.$in</c>, <c>sort[0]</c>, <c>bookmark</c>, ...).</summary>
    public string Part { get; }
}
