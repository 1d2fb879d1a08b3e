namespace MyNoSql;

/// <summary>
/// A lock's fencing token no longer holds the lock (a newer token was issued, or the hold was released or expired): a
/// mirror refused a save fenced by it (HTTP 409 <c>fenced</c>; nothing was written), or its renewal.
/// </summary>
public sealed class StaleFenceException : MyNoSqlException
{
    /// <summary>Creates the exception.</summary>
    public StaleFenceException(string database, string name, long token, string reason)
        : base($"Database '{database}': lock '{name}' token {token} is stale: {reason}")
    {
        Database = database;
        Name = name;
        Token = token;
    }

    /// <summary>The database involved.</summary>
    public string Database { get; }

    /// <summary>The lock name.</summary>
    public string Name { get; }

    /// <summary>The stale fencing token.</summary>
    public long Token { get; }
}
