namespace MyNoSql;

/// <summary>A lock operation (or a fenced save) needs a reachable mirror and none answered; raised at once, without waiting.</summary>
public sealed class LockUnavailableException : MyNoSqlException
{
    /// <summary>Creates the exception.</summary>
    public LockUnavailableException(string message) : base(message) { }
}
