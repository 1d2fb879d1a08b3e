using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>Turns Mango selector JSON into <see cref="SelectorNode"/>s, validating every operator's argument.</summary>
internal static class SelectorParser
{
    // The operators that test a value (every one but $and $or $nor $not), in the order of DESIGN §7.
    private static readonly string[] FieldOperators =
        ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$type", "$size", "$mod", "$regex", "$elemMatch", "$allMatch"];

    /// <summary>Parses <paramref name="selector"/>; <paramref name="part"/> names it in errors (<c>selector</c>).</summary>
    public static SelectorNode Parse(JsonObject selector, string part) => ParseObject(selector, null, part, element: false);

    // prefix: the field path the conditions in obj apply to; null at the top of the selector and of an $elemMatch or
    // $allMatch argument. element: inside such an argument, where a field operator without a field tests the array
    // element itself ({"tags": {"$elemMatch": {"$eq": "x"}}}). At the top of the selector there is no value to test:
    // only $and, $or, $nor and $not may appear there (CouchDB: invalid_selector, missing_field_name).
    private static SelectorNode ParseObject(JsonObject obj, FieldPath? prefix, string part, bool element)
    {
        if (obj.Count == 0)
            return prefix is null ? new AndSelector([]) : new FieldSelector(prefix, new CompareSelector(CompareOp.Eq, new JsonObject()));
        var nodes = new SelectorNode[obj.Count];
        int i = 0;
        foreach (var (key, value) in obj)
        {
            string keyPart = $"{part}.{key}";
            nodes[i++] = key.StartsWith('$') ? ParseOperator(key, value, prefix, keyPart, element) : ParseField(key, value, prefix, keyPart, element);
        }
        return nodes.Length == 1 ? nodes[0] : new AndSelector(nodes);
    }

    private static SelectorNode ParseField(string key, JsonNode? value, FieldPath? prefix, string part, bool element)
    {
        FieldPath path;
        try
        {
            path = FieldPath.Parse(prefix is null ? key : $"{prefix.Text}.{key}");
        }
        catch (ArgumentException e)
        {
            throw new BadQueryException(part, $"bad field name: {e.Message}", e);
        }
        return value is JsonObject { Count: > 0 } nested
            ? ParseObject(nested, path, part, element)
            : new FieldSelector(path, new CompareSelector(CompareOp.Eq, value));
    }

    private static SelectorNode ParseOperator(string op, JsonNode? arg, FieldPath? prefix, string part, bool element)
    {
        switch (op)
        {
            case "$and":
                return new AndSelector(ParseList(arg, prefix, part, element));
            case "$or":
                return new OrSelector(ParseList(arg, prefix, part, element));
            case "$nor":
                return new AndSelector(Array.ConvertAll(ParseList(arg, prefix, part, element), n => n.Negate()));
            case "$not":
                return ParseObject(RequireObject(arg, part), prefix, part, element).Negate();
        }
        if (prefix is null && !element && Array.IndexOf(FieldOperators, op) >= 0)
            throw new BadQueryException(part, $"operator '{op}' needs a field name, as in {{\"field\": {{\"{op}\": ...}}}} (only $and, $or, $nor and $not may be used without one)");
        SelectorNode condition = op switch
        {
            "$eq" => new CompareSelector(CompareOp.Eq, arg),
            "$ne" => new CompareSelector(CompareOp.Ne, arg),
            "$gt" => new CompareSelector(CompareOp.Gt, arg),
            "$gte" => new CompareSelector(CompareOp.Gte, arg),
            "$lt" => new CompareSelector(CompareOp.Lt, arg),
            "$lte" => new CompareSelector(CompareOp.Lte, arg),
            "$in" => new InSelector([.. RequireArray(arg, part)], negated: false),
            "$nin" => new InSelector([.. RequireArray(arg, part)], negated: true),
            "$exists" => new ExistsSelector(RequireBoolean(arg, part)),
            "$type" => ParseType(arg, part),
            "$size" => new SizeSelector((int)RequireInteger(arg, part, 0, int.MaxValue)),
            "$mod" => ParseMod(arg, part),
            "$regex" => new RegexSelector(RequireString(arg, part), part),
            "$elemMatch" => new ArrayMatchSelector(ParseObject(RequireObject(arg, part), null, part, element: true), all: false),
            "$allMatch" => new ArrayMatchSelector(ParseObject(RequireObject(arg, part), null, part, element: true), all: true),
            _ => throw new BadQueryException(part, $"unknown operator '{op}'"),
        };
        return prefix is null ? condition : new FieldSelector(prefix, condition);
    }

    private static SelectorNode[] ParseList(JsonNode? arg, FieldPath? prefix, string part, bool element)
    {
        var list = RequireArray(arg, part);
        var nodes = new SelectorNode[list.Count];
        for (int i = 0; i < nodes.Length; i++)
            nodes[i] = ParseObject(RequireObject(list[i], $"{part}[{i}]"), prefix, $"{part}[{i}]", element);
        return nodes;
    }

    private static TypeSelector ParseType(JsonNode? arg, string part)
    {
        string name = RequireString(arg, part);
        return Array.IndexOf(TypeSelector.Names, name) >= 0
            ? new TypeSelector(name)
            : throw new BadQueryException(part, $"unknown type '{name}' (expected one of {string.Join(", ", TypeSelector.Names)})");
    }

    private static ModSelector ParseMod(JsonNode? arg, string part)
    {
        var pair = RequireArray(arg, part);
        if (pair.Count != 2) throw new BadQueryException(part, "expected [divisor, remainder]");
        long divisor = RequireInteger(pair[0], $"{part}[0]", long.MinValue, long.MaxValue);
        if (divisor == 0) throw new BadQueryException($"{part}[0]", "the divisor must not be 0");
        return new ModSelector(divisor, RequireInteger(pair[1], $"{part}[1]", long.MinValue, long.MaxValue));
    }

    private static JsonObject RequireObject(JsonNode? arg, string part) =>
        arg as JsonObject ?? throw new BadQueryException(part, $"expected an object, got {Describe(arg)}");

    private static JsonArray RequireArray(JsonNode? arg, string part) =>
        arg as JsonArray ?? throw new BadQueryException(part, $"expected an array, got {Describe(arg)}");

    private static string RequireString(JsonNode? arg, string part) =>
        arg is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw new BadQueryException(part, $"expected a string, got {Describe(arg)}");

    private static bool RequireBoolean(JsonNode? arg, string part) => arg?.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new BadQueryException(part, $"expected true or false, got {Describe(arg)}"),
    };

    /// <summary>An integral JSON number within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    internal static long RequireInteger(JsonNode? arg, string part, long min, long max)
    {
        if (arg is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            double d = Collation.Number(v);
            if (d == Math.Floor(d) && d >= min && d <= max && Math.Abs(d) < 9.2e18) return (long)d;
        }
        string range = min == long.MinValue ? "an integer" : $"an integer from {min} to {max}";
        throw new BadQueryException(part, $"expected {range}, got {Describe(arg)}");
    }

    /// <summary>A short rendering of a JSON value for error messages.</summary>
    internal static string Describe(JsonNode? value)
    {
        string text = value?.ToJsonString() ?? "null";
        return text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 37), "...");
    }
}
