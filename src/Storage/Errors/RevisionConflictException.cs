namespace MyNoSql;

/// <summary>
/// A save or delete named a revision that is not the record's current one (or none, for an existing record).
/// Nothing was written.
/// </summary>
public sealed class RevisionConflictException : MyNoSqlException
{
    /// <summary>Creates the exception.</summary>
    public RevisionConflictException(string database, string id, string? givenRevision, string? currentRevision)
        : base($"Revision conflict in database '{database}' for record '{id}': given rev '{givenRevision ?? "(none)"}', current rev '{currentRevision ?? "(none)"}'. Nothing was written.")
    {
        Database = database;
        Id = id;
        GivenRevision = givenRevision;
        CurrentRevision = currentRevision;
    }

    /// <summary>The database involved.</summary>
    public string Database { get; }

    /// <summary>The record id involved.</summary>
    public string Id { get; }

    /// <summary>The revision the caller gave, if any.</summary>
    public string? GivenRevision { get; }

    /// <summary>The record's current revision, if any.</summary>
    public string? CurrentRevision { get; }
}
