namespace MyNoSql;

/// <summary>The record does not exist (or is deleted) where an existing one was required.</summary>
public sealed class DocumentNotFoundException : MyNoSqlException
{
    /// <summary>Creates the exception.</summary>
    public DocumentNotFoundException(string database, string id)
        : base($"Record '{id}' not found in database '{database}'.")
    {
        Database = database;
        Id = id;
    }

    /// <summary>The database involved.</summary>
    public string Database { get; }

    /// <summary>The record id involved.</summary>
    public string Id { get; }
}
