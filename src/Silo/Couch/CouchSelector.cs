using System.Text.Json.Nodes;

namespace MyNoSql.Silo.Couch;

/// <summary>A CouchDB Mango selector in our terms: the field names <c>_id</c> and <c>_rev</c> become <c>id</c> and <c>rev</c>
/// at any depth of the operator tree (the record JSON the matcher sees carries them under our names).</summary>
internal static class CouchSelector
{
    public static JsonObject ToNative(JsonObject selector) => (JsonObject)Rename(selector)!;

    private static JsonNode? Rename(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key switch { "_id" => "id", "_rev" => "rev", _ => p.Key }, Rename(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Rename)]),
        null => null,
        _ => node.DeepClone(),
    };
}
