using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>A live document read for a query and the record version it was read at (0 when the source has none).</summary>
internal readonly record struct LiveDocument(JsonObject? Doc, ulong Version);
