using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// The DESIGN §7 collation evaluated directly on <see cref="JsonNode"/>s (no encoding, no allocation beyond reading
/// element-backed strings). Always agrees in sign with comparing <see cref="CollationKey.Of"/> encodings.
/// A C# null is JSON null; "missing" is not a value here (callers handle it: it sorts before null).
/// </summary>
internal static class Collation
{
    /// <summary>Compares two JSON values: negative, zero or positive.</summary>
    public static int Compare(JsonNode? a, JsonNode? b)
    {
        int ra = Rank(a), rb = Rank(b);
        if (ra != rb) return ra < rb ? -1 : 1;
        switch (ra)
        {
            case CollationKey.Number:
                return CompareNumbers(Number(a!), Number(b!));
            case CollationKey.String:
                return Math.Sign(string.CompareOrdinal(a!.GetValue<string>(), b!.GetValue<string>()));
            case CollationKey.Array:
            {
                var x = (JsonArray)a!;
                var y = (JsonArray)b!;
                int n = Math.Min(x.Count, y.Count);
                for (int i = 0; i < n; i++)
                {
                    int c = Compare(x[i], y[i]);
                    if (c != 0) return c;
                }
                return x.Count.CompareTo(y.Count);
            }
            case CollationKey.Object:
                return CompareObjects((JsonObject)a!, (JsonObject)b!);
            default:
                return 0; // null, false, true: the rank is the value
        }
    }

    /// <summary>Whether two values collate equal; avoids materialising element-backed strings.</summary>
    public static bool Equal(JsonNode? a, JsonNode? b)
    {
        int ra = Rank(a), rb = Rank(b);
        if (ra != rb) return false;
        if (ra == CollationKey.String)
        {
            if (a!.AsValue().TryGetValue(out JsonElement ea) && b!.AsValue().TryGetValue(out string? sb)) return ea.ValueEquals(sb);
            if (b!.AsValue().TryGetValue(out JsonElement eb) && a.AsValue().TryGetValue(out string? sa)) return eb.ValueEquals(sa);
        }
        return Compare(a, b) == 0;
    }

    /// <summary>The value's type tag in collation order (<see cref="CollationKey.Null"/> .. <see cref="CollationKey.Object"/>).</summary>
    public static int Rank(JsonNode? node) => node switch
    {
        null => CollationKey.Null,
        JsonObject => CollationKey.Object,
        JsonArray => CollationKey.Array,
        _ => node.GetValueKind() switch
        {
            JsonValueKind.Null => CollationKey.Null,
            JsonValueKind.False => CollationKey.False,
            JsonValueKind.True => CollationKey.True,
            JsonValueKind.Number => CollationKey.Number,
            JsonValueKind.String => CollationKey.String,
            var kind => throw new ArgumentException($"Cannot collate a JSON {kind}.", nameof(node)),
        },
    };

    /// <summary>A JSON number as a double (element-backed or any CLR numeric primitive).</summary>
    public static double Number(JsonNode node)
    {
        var value = node.AsValue();
        if (value.TryGetValue(out double d)) return d;
        if (value.TryGetValue(out long l)) return l;
        if (value.TryGetValue(out int i)) return i;
        if (value.TryGetValue(out decimal m)) return (double)m;
        if (value.TryGetValue(out float f)) return f;
        if (value.TryGetValue(out ulong u)) return u;
        return value.GetValue<double>();
    }

    /// <summary>
    /// An owned, primitive-backed copy of <paramref name="node"/> (strings and numbers read once, so comparing
    /// against it later allocates nothing). Query operands are stored this way.
    /// </summary>
    public static JsonNode? Own(JsonNode? node)
    {
        switch (Rank(node))
        {
            case CollationKey.Null: return null;
            case CollationKey.False: return JsonValue.Create(false);
            case CollationKey.True: return JsonValue.Create(true);
            case CollationKey.Number: return JsonValue.Create(Number(node!));
            case CollationKey.String: return JsonValue.Create(node!.GetValue<string>());
            case CollationKey.Array:
            {
                var copy = new JsonArray();
                foreach (var child in (JsonArray)node!) copy.Add(Own(child));
                return copy;
            }
            default:
            {
                var copy = new JsonObject();
                foreach (var (key, child) in (JsonObject)node!) copy[key] = Own(child);
                return copy;
            }
        }
    }

    private static int CompareNumbers(double x, double y) => x < y ? -1 : x > y ? 1 : 0; // -0 == 0, as the key encodes it

    // Objects compare pair by pair in document order (key ordinal, then value); fewer pairs first — the key's order.
    private static int CompareObjects(JsonObject x, JsonObject y)
    {
        int n = Math.Min(x.Count, y.Count);
        for (int i = 0; i < n; i++)
        {
            var px = x.GetAt(i);
            var py = y.GetAt(i);
            int c = Math.Sign(string.CompareOrdinal(px.Key, py.Key));
            if (c != 0) return c;
            c = Compare(px.Value, py.Value);
            if (c != 0) return c;
        }
        return x.Count.CompareTo(y.Count);
    }
}
