using System.Text.Json.Nodes;

namespace MyNoSql;

/// <summary>One page of a Mango query's answer (<see cref="MyNoSqlDb.FindAsync(JsonObject, FindScope, CancellationToken)"/>).</summary>
/// <param name="Docs">The matching documents of this page, projected by the query's <c>fields</c> (<c>id</c> and <c>rev</c> always kept).</param>
/// <param name="Bookmark">Pass as the query's <c>bookmark</c> for the next page; null when this is the last page.</param>
/// <param name="Index">The index that served the query; null for a full scan.</param>
/// <param name="Warning">Set when no index served the query (a full scan) and says which fields to index.</param>
public sealed record FindResult(IReadOnlyList<JsonObject> Docs, string? Bookmark, string? Index, string? Warning);
