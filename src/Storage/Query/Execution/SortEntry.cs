using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>A match waiting to be sorted in memory.</summary>
/// <param name="Document">The matching document (null for a bookmark's position).</param>
/// <param name="Values">One per sort field; <see cref="SortEntryComparer.Missing"/> for a missing field.</param>
/// <param name="Id">The document's id (the tie-break).</param>
internal sealed record SortEntry(JsonObject? Document, JsonNode?[] Values, string Id);
