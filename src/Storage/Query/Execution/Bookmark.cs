using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// Where a page ended, as an opaque base64url string: a fingerprint of the query's selector and sort (so a bookmark
/// of another query is refused), the id of the page's last document, and its position in the plan's order — the
/// index entry's key (index order), its sort values (in-memory sort), or the id alone (full scan, ids order).
/// A bookmark only resumes a plan with the same order: if an index appears or disappears between pages so that
/// the order changes, the bookmark is refused (start again without one).
/// </summary>
internal sealed class Bookmark
{
    public required string Fingerprint { get; init; }

    public required string Id { get; init; }

    /// <summary>The index (name and fields) whose order the position is in; null for in-memory sorts and id order.</summary>
    public string? Index { get; init; }

    /// <summary>The index entry's key (with <see cref="Index"/>).</summary>
    public byte[]? Key { get; init; }

    /// <summary>The sort values (in-memory sort; <see cref="SortEntryComparer.Missing"/> for missing).</summary>
    public JsonNode?[]? Values { get; init; }

    /// <summary>The fingerprint of a query's selector and sort.</summary>
    public static string FingerprintOf(Selector selector, IReadOnlyList<SortField> sort)
    {
        var text = new StringBuilder(selector is SelectorNode node ? node.ToJson().ToJsonString() : selector.GetType().FullName);
        foreach (var s in sort) text.Append('\n').Append(s.Path.Text).Append(s.Descending ? " desc" : " asc");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())), 0, 8);
    }

    private static string? Text(JsonObject json, string key) =>
        json[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>The opaque form.</summary>
    public string Encode()
    {
        var json = new JsonObject { ["f"] = Fingerprint, ["i"] = Id };
        if (Index is not null) json["x"] = Index;
        if (Key is not null) json["k"] = Convert.ToBase64String(Key);
        if (Values is not null)
            json["s"] = new JsonArray([.. Array.ConvertAll(Values, v => ReferenceEquals(v, SortEntryComparer.Missing)
                ? (JsonNode)new JsonObject()
                : new JsonObject { ["v"] = v?.DeepClone() })]);
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));
    }

    /// <summary>Reads a bookmark given to the query with <paramref name="fingerprint"/>.</summary>
    /// <exception cref="BadQueryException">Malformed, or made by another query (part <c>bookmark</c>).</exception>
    public static Bookmark Decode(string text, string fingerprint)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(Base64Url.DecodeFromChars(text))?.AsObject() ?? throw new FormatException("empty");
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            throw new BadQueryException("bookmark", "not a bookmark this database made", e);
        }
        if (Text(json, "f") != fingerprint)
            throw new BadQueryException("bookmark", "made by another query (selector and sort must stay the same between pages)");
        try
        {
            JsonNode?[]? values = null;
            if (json["s"] is JsonArray s)
            {
                values = new JsonNode?[s.Count];
                for (int i = 0; i < values.Length; i++)
                    values[i] = s[i] is JsonObject o && o.TryGetPropertyValue("v", out var v) ? Collation.Own(v) : SortEntryComparer.Missing;
            }
            return new Bookmark
            {
                Fingerprint = fingerprint,
                Id = Text(json, "i") ?? throw new FormatException("no id"),
                Index = Text(json, "x"),
                Key = Text(json, "k") is { } k ? Convert.FromBase64String(k) : null,
                Values = values,
            };
        }
        catch (Exception e) when (e is FormatException or ArgumentException and not BadQueryException)
        {
            throw new BadQueryException("bookmark", "not a bookmark this database made", e);
        }
    }
}
