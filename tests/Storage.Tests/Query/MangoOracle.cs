using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MyNoSql.Storage.Tests.Query;

/// <summary>
/// An independent, deliberately simple reading of Mango (CouchDB semantics, DESIGN §7 collation) used as the test
/// oracle: it interprets the selector JSON directly (no parser, no normalisation) and compares values through plain
/// CLR objects. A negation flag travels down to the field conditions: a missing field matches only
/// <c>$exists: false</c> (or a negated <c>$exists: true</c>).
/// </summary>
internal static class MangoOracle
{
    /// <summary>Whether <paramref name="doc"/> matches <paramref name="selector"/>.</summary>
    public static bool Matches(JsonObject selector, JsonObject doc) => Object(selector, [], doc, negated: false);

    /// <summary>The collation: null &lt; false &lt; true &lt; numbers &lt; strings &lt; arrays &lt; objects.</summary>
    public static int Compare(JsonNode? a, JsonNode? b) => CompareClr(ToClr(a), ToClr(b));

    /// <summary>Sort values: a missing field (null here) before JSON null.</summary>
    public static int CompareSortValue((bool Present, JsonNode? Value) a, (bool Present, JsonNode? Value) b) =>
        a.Present != b.Present ? (a.Present ? 1 : -1) : a.Present ? Compare(a.Value, b.Value) : 0;

    public static (bool Present, JsonNode? Value) Get(JsonNode? context, string path)
    {
        JsonNode? node = context;
        foreach (var name in path.Split('.'))
        {
            if (node is not JsonObject o || !o.ContainsKey(name)) return (false, null);
            node = o[name];
        }
        return (true, node);
    }

    private static bool Object(JsonObject selector, List<string> path, JsonNode? context, bool negated)
    {
        if (selector.Count == 0) return path.Count == 0 ? !negated : Leaf(path, "$eq", new JsonObject(), context, negated);
        var results = selector.Select(p => Key(p.Key, p.Value, path, context, negated));
        return negated ? results.Any(r => r) : results.All(r => r);
    }

    private static bool Key(string key, JsonNode? value, List<string> path, JsonNode? context, bool negated)
    {
        switch (key)
        {
            case "$and":
            {
                var rs = value!.AsArray().Select(s => Object(s!.AsObject(), path, context, negated));
                return negated ? rs.Any(r => r) : rs.All(r => r);
            }
            case "$or":
            {
                var rs = value!.AsArray().Select(s => Object(s!.AsObject(), path, context, negated));
                return negated ? rs.All(r => r) : rs.Any(r => r);
            }
            case "$nor":
            {
                var rs = value!.AsArray().Select(s => Object(s!.AsObject(), path, context, !negated));
                return !negated ? rs.All(r => r) : rs.Any(r => r);
            }
            case "$not":
                return Object(value!.AsObject(), path, context, !negated);
        }
        if (key.StartsWith('$')) return Leaf(path, key, value, context, negated);
        List<string> sub = [.. path, .. key.Split('.')];
        return value is JsonObject { Count: > 0 } o ? Object(o, sub, context, negated) : Leaf(sub, "$eq", value, context, negated);
    }

    private static bool Leaf(List<string> path, string op, JsonNode? arg, JsonNode? context, bool negated)
    {
        var (present, v) = path.Count == 0 ? (true, context) : Get(context, string.Join('.', path));
        if (!present) return op == "$exists" && arg!.GetValue<bool>() == negated;
        bool r = op switch
        {
            "$eq" => Compare(v, arg) == 0,
            "$ne" => Compare(v, arg) != 0,
            "$gt" => Compare(v, arg) > 0,
            "$gte" => Compare(v, arg) >= 0,
            "$lt" => Compare(v, arg) < 0,
            "$lte" => Compare(v, arg) <= 0,
            "$in" => In(v, arg!.AsArray()),
            "$nin" => !In(v, arg!.AsArray()),
            "$exists" => arg!.GetValue<bool>(),
            "$type" => TypeName(v) == arg!.GetValue<string>(),
            "$size" => v is JsonArray a && a.Count == arg!.GetValue<int>(),
            "$mod" => Mod(v, arg!.AsArray()),
            "$regex" => ToClr(v) is string s && Regex.IsMatch(s, arg!.GetValue<string>()),
            "$elemMatch" => v is JsonArray a && a.Any(e => Object(arg!.AsObject(), [], e, false)),
            "$allMatch" => v is JsonArray a && a.Count > 0 && a.All(e => Object(arg!.AsObject(), [], e, false)),
            _ => throw new InvalidOperationException(op),
        };
        return negated ? !r : r;
    }

    private static bool In(JsonNode? v, JsonArray args) =>
        v is JsonArray a ? a.Any(e => args.Any(x => Compare(e, x) == 0)) : args.Any(x => Compare(v, x) == 0);

    private static bool Mod(JsonNode? v, JsonArray arg)
    {
        if (ToClr(v) is not double d || Math.Floor(d) != d || Math.Abs(d) > 9e18) return false;
        long divisor = (long)(double)ToClr(arg[0])!, remainder = (long)(double)ToClr(arg[1])!;
        return (long)d % divisor == remainder;
    }

    private static string TypeName(JsonNode? v) => ToClr(v) switch
    {
        null => "null",
        bool => "boolean",
        double => "number",
        string => "string",
        List<object?> => "array",
        _ => "object",
    };

    // JSON as plain CLR values: null, bool, double, string, List<object?>, List<KeyValuePair<string, object?>>.
    private static object? ToClr(JsonNode? node) => node switch
    {
        null => null,
        JsonArray a => a.Select(ToClr).ToList(),
        JsonObject o => o.Select(p => new KeyValuePair<string, object?>(p.Key, ToClr(p.Value))).ToList(),
        _ => node.GetValueKind() switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => double.Parse(node.ToJsonString(), CultureInfo.InvariantCulture),
            _ => node.GetValue<string>(),
        },
    };

    private static int Rank(object? v) => v switch
    {
        null => 0,
        false => 1,
        true => 2,
        double => 3,
        string => 4,
        List<object?> => 5,
        _ => 6,
    };

    private static int CompareClr(object? a, object? b)
    {
        int ra = Rank(a), rb = Rank(b);
        if (ra != rb) return ra.CompareTo(rb);
        switch (a)
        {
            case double x: return x == (double)b! ? 0 : x.CompareTo((double)b!);
            case string s: return Math.Sign(string.CompareOrdinal(s, (string)b!));
            case List<object?> xs:
            {
                var ys = (List<object?>)b!;
                for (int i = 0; i < Math.Min(xs.Count, ys.Count); i++)
                {
                    int c = CompareClr(xs[i], ys[i]);
                    if (c != 0) return c;
                }
                return xs.Count.CompareTo(ys.Count);
            }
            case List<KeyValuePair<string, object?>> xs:
            {
                var ys = (List<KeyValuePair<string, object?>>)b!;
                for (int i = 0; i < Math.Min(xs.Count, ys.Count); i++)
                {
                    int c = Math.Sign(string.CompareOrdinal(xs[i].Key, ys[i].Key));
                    if (c == 0) c = CompareClr(xs[i].Value, ys[i].Value);
                    if (c != 0) return c;
                }
                return xs.Count.CompareTo(ys.Count);
            }
            default: return 0;
        }
    }
}
