namespace MyNoSql;

/// <summary>An RFC 6902 <c>test</c> operation found another value than it expected (HTTP 422 <c>test_failed</c>).
/// Nothing was written.</summary>
public sealed class PatchTestFailedException : MyNoSqlException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="database">The database.</param>
    /// <param name="id">The record.</param>
    /// <param name="operation">The index of the failing operation in the patch.</param>
    /// <param name="path">The JSON Pointer it tested.</param>
    public PatchTestFailedException(string database, string id, int operation, string path)
        : base($"Database '{database}', record '{id}': JSON Patch operation {operation} (test at '{path}') failed; nothing was written.")
    {
        Database = database;
        Id = id;
        Operation = operation;
        Path = path;
    }

    /// <summary>The database.</summary>
    public string Database { get; }

    /// <summary>The record.</summary>
    public string Id { get; }

    /// <summary>The index of the failing operation.</summary>
    public int Operation { get; }

    /// <summary>The JSON Pointer the failing test looked at.</summary>
    public string Path { get; }
}
