namespace MyNoSql;

/// <summary>One revision in a record's history (<see cref="MyNoSqlDb.GetHistoryAsync"/>), newest first.</summary>
/// <param name="Rev">The revision.</param>
/// <param name="Deleted">True for a tombstone.</param>
/// <param name="SavedAt">When the replica that made it saved it (its hybrid-clock time); null when unknown.</param>
/// <param name="HasBody">True when this replica keeps its content (<see cref="MyNoSqlDb.ReadDocAsync(string, string, CancellationToken)"/> returns it).</param>
public sealed record RevisionInfo(string Rev, bool Deleted, DateTimeOffset? SavedAt, bool HasBody);
