using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>Plans and runs Mango queries over an <see cref="IQuerySource"/> (a peer's database or one database on a mirror).</summary>
internal static class QueryEngine
{
    /// <summary>One page of the answer to <paramref name="query"/>.</summary>
    public static ValueTask<QueryResult> FindAsync(IQuerySource source, MangoQuery query, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("QueryEngine.FindAsync: the query engine is being built.");

    /// <summary>The number of live documents matching <paramref name="selector"/>.</summary>
    public static ValueTask<long> CountAsync(IQuerySource source, Selector selector, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("QueryEngine.CountAsync: the query engine is being built.");

    /// <summary>The plan <see cref="FindAsync"/> would use, as JSON (<c>{"index", "ranges", "sort_served", ...}</c>).</summary>
    public static JsonObject Explain(IQuerySource source, MangoQuery query) =>
        throw new NotImplementedException("QueryEngine.Explain: the query engine is being built.");
}
