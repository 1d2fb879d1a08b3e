using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// A parsed Mango query (DESIGN §7): selector, sort, limit (default 25, max 10,000), skip, fields, bookmark.
/// <c>limit: 0</c> is accepted as CouchDB does and answers an empty page (no bookmark) without reading anything.
/// CouchDB's harmless keys (<c>r conflicts execution_stats update stable</c>) are accepted and ignored;
/// <c>use_index</c> (a name, or <c>[ddoc, name]</c>) is honoured when that index can serve the query.
/// </summary>
internal sealed class MangoQuery
{
    /// <summary>The default page size.</summary>
    public const int DefaultLimit = 25;

    /// <summary>The largest page.</summary>
    public const int MaxLimit = 10_000;

    private static readonly string[] Ignored = ["r", "conflicts", "execution_stats", "update", "stable"];

    public required Selector Selector { get; init; }

    public IReadOnlyList<SortField> Sort { get; init; } = [];

    /// <summary>Projected fields (id and rev always kept); null (or an empty list, as in CouchDB) = the whole document.</summary>
    public IReadOnlyList<FieldPath>? Fields { get; init; }

    public int Limit { get; init; } = DefaultLimit;

    public int Skip { get; init; }

    public string? Bookmark { get; init; }

    /// <summary>The index the caller asked for (<c>use_index</c>), or null.</summary>
    public string? UseIndex { get; init; }

    /// <summary>Parses a query object (<c>{"selector", "sort", "limit", "skip", "fields", "bookmark"}</c>).</summary>
    /// <exception cref="ArgumentException">The query is malformed: a <see cref="BadQueryException"/> naming the part that is wrong.</exception>
    public static MangoQuery Parse(JsonObject query)
    {
        ArgumentNullException.ThrowIfNull(query);
        Selector? selector = null;
        IReadOnlyList<SortField> sort = [];
        IReadOnlyList<FieldPath>? fields = null;
        int limit = DefaultLimit, skip = 0;
        string? bookmark = null, useIndex = null;
        foreach (var (key, value) in query)
        {
            switch (key)
            {
                case "selector":
                    selector = SelectorParser.Parse(value as JsonObject ?? throw new BadQueryException(key, $"expected an object, got {SelectorParser.Describe(value)}"), key);
                    break;
                case "sort": sort = ParseSort(value); break;
                case "fields":
                    fields = ParseFields(value);
                    if (fields.Count == 0) fields = null; // CouchDB: no fields listed = the whole document
                    break;
                case "limit": limit = (int)SelectorParser.RequireInteger(value, key, 0, MaxLimit); break;
                case "skip": skip = (int)SelectorParser.RequireInteger(value, key, 0, int.MaxValue); break;
                case "bookmark":
                    bookmark = value is null || value.GetValueKind() == JsonValueKind.Null ? null
                        : value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>()
                        : throw new BadQueryException(key, $"expected a string or null, got {SelectorParser.Describe(value)}");
                    break;
                case "use_index": useIndex = ParseUseIndex(value); break;
                default:
                    if (Array.IndexOf(Ignored, key) < 0) throw new BadQueryException(key, "unknown query parameter");
                    break;
            }
        }
        return new MangoQuery
        {
            Selector = selector ?? throw new BadQueryException("selector", "required"),
            Sort = sort,
            Fields = fields,
            Limit = limit,
            Skip = skip,
            Bookmark = string.IsNullOrEmpty(bookmark) || bookmark == "nil" ? null : bookmark,
            UseIndex = useIndex,
        };
    }

    private static SortField[] ParseSort(JsonNode? value)
    {
        if (value is not JsonArray list) throw new BadQueryException("sort", $"expected an array, got {SelectorParser.Describe(value)}");
        var sort = new SortField[list.Count];
        for (int i = 0; i < sort.Length; i++)
        {
            string part = $"sort[{i}]";
            string field;
            bool descending = false;
            switch (list[i])
            {
                case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                    field = v.GetValue<string>();
                    break;
                case JsonObject { Count: 1 } o:
                    (field, var direction) = o.GetAt(0);
                    descending = direction?.GetValueKind() == JsonValueKind.String ? direction.GetValue<string>() switch
                    {
                        "asc" => false,
                        "desc" => true,
                        var other => throw new BadQueryException(part, $"direction must be \"asc\" or \"desc\", got \"{other}\""),
                    } : throw new BadQueryException(part, "direction must be \"asc\" or \"desc\"");
                    break;
                default:
                    throw new BadQueryException(part, $"expected a field name or {{\"field\": \"asc\"|\"desc\"}}, got {SelectorParser.Describe(list[i])}");
            }
            sort[i] = new SortField(ParsePath(field, part), descending);
        }
        return sort;
    }

    private static FieldPath[] ParseFields(JsonNode? value)
    {
        if (value is not JsonArray list) throw new BadQueryException("fields", $"expected an array, got {SelectorParser.Describe(value)}");
        var fields = new FieldPath[list.Count];
        for (int i = 0; i < fields.Length; i++)
        {
            string part = $"fields[{i}]";
            fields[i] = list[i] is JsonValue v && v.GetValueKind() == JsonValueKind.String
                ? ParsePath(v.GetValue<string>(), part)
                : throw new BadQueryException(part, $"expected a field name, got {SelectorParser.Describe(list[i])}");
        }
        return fields;
    }

    private static string? ParseUseIndex(JsonNode? value)
    {
        var last = value is JsonArray { Count: > 0 } list ? list[^1] : value;
        if (last is JsonValue v && v.GetValueKind() == JsonValueKind.String) return v.GetValue<string>();
        if (value is null || value.GetValueKind() == JsonValueKind.Null || value is JsonArray { Count: 0 }) return null;
        throw new BadQueryException("use_index", $"expected an index name or [design doc, name], got {SelectorParser.Describe(value)}");
    }

    private static FieldPath ParsePath(string text, string part)
    {
        try
        {
            return FieldPath.Parse(text);
        }
        catch (ArgumentException e)
        {
            throw new BadQueryException(part, e.Message, e);
        }
    }
}
