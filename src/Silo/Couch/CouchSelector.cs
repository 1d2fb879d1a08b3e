using System.Text;
using System.Text.Json.Nodes;

namespace MyNoSql.Silo.Couch;

/// <summary>
/// A CouchDB Mango selector in our terms: a field path's first name, where it names a top-level field of the document
/// (the selector's own keys and those under <c>$and</c>, <c>$or</c>, <c>$nor</c>, <c>$not</c>), becomes the record's
/// name: <c>_id</c> and <c>_rev</c> → <c>id</c> and <c>rev</c>, other names as <see cref="CouchFieldNames"/> maps them
/// (<c>id</c> → <c>~id</c>, <c>~_foo</c> → <c>_foo</c>). Names below a field and inside <c>$elemMatch</c> stay as sent.
/// </summary>
internal static class CouchSelector
{
    public static JsonObject ToNative(JsonObject selector) => Map(selector);

    private static JsonObject Map(JsonObject selector) => new(selector.Select(p => KeyValuePair.Create(
        p.Key.StartsWith('$') ? p.Key : Field(p.Key),
        p.Key switch
        {
            "$and" or "$or" or "$nor" when p.Value is JsonArray list => new JsonArray([.. list.Select(n => n is JsonObject o ? Map(o) : n?.DeepClone())]),
            "$not" when p.Value is JsonObject o => Map(o),
            _ => p.Value?.DeepClone(),
        })));

    /// <summary>The path with its first name (up to the first unescaped dot; <c>\.</c> and <c>\\</c> are escapes) mapped.</summary>
    private static string Field(string path)
    {
        int end = 0;
        var first = new StringBuilder();
        for (; end < path.Length && path[end] != '.'; end++)
        {
            if (path[end] == '\\' && end + 1 < path.Length) end++;
            first.Append(path[end]);
        }
        string name = first.ToString();
        string mapped = name switch
        {
            "_id" => "id",
            "_rev" => "rev",
            _ when name.StartsWith('_') => name, // _attachments, and CouchDB's own specials (they match nothing of ours)
            _ => CouchFieldNames.ToNative(name),
        };
        return mapped == name ? path : mapped.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(".", "\\.", StringComparison.Ordinal) + path[end..];
    }
}
