namespace MyNoSql;

/// <summary>Base class of every error MyNoSql raises on purpose.</summary>
public class MyNoSqlException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MyNoSqlException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public MyNoSqlException(string message, Exception? innerException) : base(message, innerException) { }
}
