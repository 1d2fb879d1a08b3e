namespace MyNoSql;

/// <summary>The record has no attachment of that name, or its body is not stored here and could not be fetched.</summary>
public sealed class AttachmentNotFoundException : MyNoSqlException
{
    /// <summary>Creates the exception.</summary>
    public AttachmentNotFoundException(string database, string id, string name, string? detail = null)
        : base($"Attachment '{name}' of record '{id}' not found in database '{database}'{(detail is null ? "." : ": " + detail)}")
    {
        Database = database;
        Id = id;
        Name = name;
    }

    /// <summary>The database involved.</summary>
    public string Database { get; }

    /// <summary>The record id involved.</summary>
    public string Id { get; }

    /// <summary>The attachment name involved.</summary>
    public string Name { get; }
}
