using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>One page of a query's answer.</summary>
/// <param name="Docs">The matching documents of this page, projected.</param>
/// <param name="Bookmark">Pass as <c>bookmark</c> for the next page; null at the end.</param>
/// <param name="Index">The index used; null for a full scan.</param>
/// <param name="Warning">Set when no index served the query (a full scan).</param>
internal sealed record QueryResult(IReadOnlyList<JsonObject> Docs, string? Bookmark, string? Index, string? Warning);
