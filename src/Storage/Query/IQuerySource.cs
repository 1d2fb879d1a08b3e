namespace MyNoSql.Storage.Query;

/// <summary>What the query engine needs from one database's replica (a peer's store, or one database in a mirror's store).</summary>
internal interface IQuerySource
{
    /// <summary>Names the database in errors and logs, e.g. <c>database 'orders'</c>.</summary>
    string Context { get; }

    /// <summary>The built indexes the planner may use.</summary>
    IReadOnlyList<ISecondaryIndex> Indexes { get; }

    /// <summary>Live (not deleted) ids in ordinal order, strictly after <paramref name="after"/> when given: the full scan.</summary>
    IEnumerable<string> LiveIds(string? after);

    /// <summary>
    /// The winning revision as the user's JSON (with <c>id</c> and <c>rev</c>; null when absent or deleted) and the
    /// record version read, the one <see cref="IndexHit.Version"/> names (0 when the source does not know it).
    /// </summary>
    ValueTask<LiveDocument> ReadLiveAsync(string id, CancellationToken cancellationToken);
}
