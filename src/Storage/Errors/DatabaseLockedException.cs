namespace MyNoSql;

/// <summary>Another process (or another open handle) already has the database open.</summary>
public sealed class DatabaseLockedException : MyNoSqlException
{
    /// <summary>Creates the exception.</summary>
    public DatabaseLockedException(string database, string lockFilePath, Exception? innerException = null)
        : base($"Database '{database}' is already open in another process or handle (lock file '{lockFilePath}').", innerException)
    {
        Database = database;
        LockFilePath = lockFilePath;
    }

    /// <summary>The database involved.</summary>
    public string Database { get; }

    /// <summary>The lock file that is held.</summary>
    public string LockFilePath { get; }
}
