using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// The in-memory sort order: field by field under the §7 collation (a missing field before null), each field in its
/// direction, then the id ordinal in the first field's direction (so an all-descending sort is the exact reverse).
/// </summary>
internal sealed class SortEntryComparer(IReadOnlyList<SortField> sort) : IComparer<SortEntry>
{
    /// <summary>Stands for a missing field among sort values (compared by reference).</summary>
    public static readonly JsonNode Missing = JsonValue.Create("\u0000missing");

    public IReadOnlyList<SortField> Sort { get; } = sort;

    /// <summary>The sort values of <paramref name="document"/>.</summary>
    public JsonNode?[] ValuesOf(JsonObject document)
    {
        var values = new JsonNode?[Sort.Count];
        for (int i = 0; i < values.Length; i++)
            values[i] = Sort[i].Path.TryGet(document, out var v) ? v : Missing;
        return values;
    }

    public int Compare(SortEntry? x, SortEntry? y)
    {
        for (int i = 0; i < Sort.Count; i++)
        {
            int c = CompareValues(x!.Values[i], y!.Values[i]);
            if (c != 0) return Sort[i].Descending ? -c : c;
        }
        int byId = string.CompareOrdinal(x!.Id, y!.Id);
        return Sort.Count > 0 && Sort[0].Descending ? -byId : byId;
    }

    private static int CompareValues(JsonNode? a, JsonNode? b)
    {
        bool ma = ReferenceEquals(a, Missing), mb = ReferenceEquals(b, Missing);
        if (ma || mb) return ma == mb ? 0 : ma ? -1 : 1;
        return Collation.Compare(a, b);
    }
}
