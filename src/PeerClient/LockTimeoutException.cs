namespace MyNoSql;

/// <summary><see cref="MyNoSqlDb.LockAsync"/> waited as long as it was allowed and the lock was still held by someone else.</summary>
public sealed class LockTimeoutException : MyNoSqlException
{
    /// <summary>Creates the exception.</summary>
    public LockTimeoutException(string database, string name, TimeSpan waited, string reason)
        : base($"Database '{database}': lock '{name}' was not free within {waited.TotalSeconds:0.###} s: {reason}")
    {
        Database = database;
        Name = name;
    }

    /// <summary>The database involved.</summary>
    public string Database { get; }

    /// <summary>The lock name.</summary>
    public string Name { get; }
}
