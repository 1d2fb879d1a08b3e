using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Tests.Query;

/// <summary>Random documents, selectors (every operator), sorts and indexes over a few shared field names, so that queries hit.</summary>
internal sealed class RandomMango(Random random)
{
    public static readonly string[] Fields = ["a", "b", "c", "n.x", "n.y", "tags", "n"];
    public static readonly string[] SortFields = ["a", "b", "c", "n.x", "id"];
    private static readonly string[] Strings = ["", "a", "ab", "b", "B", "é", "z", "\uD83D\uDE00", "\uFFFF", "\u00e9t\u00e9", "a b", "Ω"];
    private static readonly double[] Numbers = [-3, -1, 0, -0.0, 1, 2, 3, 0.5, 2.5, 1e300, -1e300, 5e-324, 4, 6, 7];
    private static readonly string[] Patterns = ["^a", "b$", "é", "^$", "[A-Z]", "a|z", ".", "\uD83D"];

    private int P(int n) => random.Next(n);

    public JsonNode? Scalar() => P(10) switch
    {
        0 => null,
        1 => JsonValue.Create(P(2) == 0),
        < 6 => JsonValue.Create(Numbers[P(Numbers.Length)]),
        _ => JsonValue.Create(Strings[P(Strings.Length)]),
    };

    public JsonNode? Value(int depth = 2)
    {
        int k = depth == 0 ? 0 : P(10);
        return k < 7 ? Scalar() : k < 9 ? new JsonArray([.. Enumerable.Range(0, P(4)).Select(_ => Value(depth - 1))]) : Obj(depth - 1);
    }

    private JsonObject Obj(int depth)
    {
        var o = new JsonObject();
        foreach (var key in P(2) == 0 ? new[] { "x", "y" } : ["y", "x"])
            if (P(4) != 0) o[key] = Value(depth);
        return o;
    }

    /// <summary>A document with an id and rev, round-tripped through JSON text so values are element-backed as in storage.</summary>
    public JsonObject Document(int i)
    {
        var doc = new JsonObject { ["id"] = $"{(char)('a' + P(20))}{P(1000):D3}-{i}", ["rev"] = $"1-{i:x32}" };
        foreach (var f in new[] { "a", "b", "c" })
            if (P(5) != 0) doc[f] = Value();
        if (P(5) != 0) doc["n"] = P(6) == 0 ? Scalar() : Obj(1);
        if (P(3) != 0) doc["tags"] = P(4) == 0 ? Scalar() : new JsonArray([.. Enumerable.Range(0, P(4)).Select(_ => P(4) == 0 ? Obj(0) : Scalar())]);
        return JsonNode.Parse(doc.ToJsonString())!.AsObject();
    }

    /// <summary>A random selector using every operator, nested up to <paramref name="depth"/>.</summary>
    public JsonObject Selector(int depth = 2)
    {
        int n = 1 + P(3);
        var s = new JsonObject();
        for (int i = 0; i < n; i++)
        {
            var (key, value) = Clause(depth);
            s[key] = value; // a repeated key keeps the last clause
        }
        return s;
    }

    private (string, JsonNode?) Clause(int depth)
    {
        int k = depth > 0 ? P(14) : 4 + P(10);
        switch (k)
        {
            case 0: return ("$and", new JsonArray([.. Enumerable.Range(0, P(3)).Select(_ => (JsonNode?)Selector(depth - 1))]));
            case 1: return ("$or", new JsonArray([.. Enumerable.Range(0, P(4)).Select(_ => (JsonNode?)Selector(depth - 1))]));
            case 2: return ("$nor", new JsonArray([.. Enumerable.Range(0, 1 + P(2)).Select(_ => (JsonNode?)Selector(depth - 1))]));
            case 3: return ("$not", Selector(depth - 1));
            case 4 when P(3) == 0: return ("n", new JsonObject { [P(2) == 0 ? "x" : "y"] = Condition(depth) });
        }
        string field = Fields[P(Fields.Length)];
        return (field, Condition(depth));
    }

    private JsonNode? Condition(int depth)
    {
        switch (P(22))
        {
            case 0: case 1: return Scalar(); // implicit $eq
            case 2: return new JsonObject { ["$eq"] = Value(1) };
            case 3: return new JsonObject { ["$ne"] = Scalar() };
            case 4: return new JsonObject { [P(2) == 0 ? "$gt" : "$gte"] = Scalar() };
            case 5: return new JsonObject { [P(2) == 0 ? "$lt" : "$lte"] = Scalar() };
            case 6: case 7: return new JsonObject { [P(2) == 0 ? "$gt" : "$gte"] = Scalar(), [P(2) == 0 ? "$lt" : "$lte"] = Scalar() };
            case 8: case 9: return new JsonObject { ["$in"] = new JsonArray([.. Enumerable.Range(0, P(4)).Select(_ => P(6) == 0 ? Value(1) : Scalar())]) };
            case 10: return new JsonObject { ["$nin"] = new JsonArray([.. Enumerable.Range(0, P(3)).Select(_ => Scalar())]) };
            case 11: return new JsonObject { ["$exists"] = P(2) == 0 };
            case 12: return new JsonObject { ["$type"] = new[] { "null", "boolean", "number", "string", "array", "object" }[P(6)] };
            case 13: return new JsonObject { ["$size"] = P(4) };
            case 14: return new JsonObject { ["$mod"] = new JsonArray(new[] { 2, 3, -2 }[P(3)], P(3) - 1) };
            case 15: return new JsonObject { ["$regex"] = Patterns[P(Patterns.Length)] };
            case 16: return new JsonObject { ["$elemMatch"] = ElementSelector(depth) };
            case 17: return new JsonObject { ["$allMatch"] = ElementSelector(depth) };
            case 18: return new JsonObject { ["$not"] = Condition(0) is JsonObject inner ? inner : new JsonObject { ["$eq"] = Scalar() } };
            case 19: return new JsonObject { ["$or"] = new JsonArray(new JsonObject { ["$eq"] = Scalar() }, new JsonObject { ["$gt"] = Scalar() }) };
            case 20: return new JsonObject { ["x"] = Scalar() }; // nested field path
            default: return new JsonObject();
        }
    }

    private JsonObject ElementSelector(int depth) => P(3) switch
    {
        0 => new JsonObject { ["x"] = Condition(0) },
        _ => Condition(0) is JsonObject { Count: > 0 } o && o.First().Key.StartsWith('$') ? o : new JsonObject { ["$eq"] = Scalar() },
    };

    public JsonArray Sort()
    {
        var sort = new JsonArray();
        int n = P(4) == 0 ? 0 : 1 + P(2);
        string direction = P(2) == 0 ? "asc" : "desc";
        var used = new HashSet<string>();
        for (int i = 0; i < n; i++)
        {
            string f = SortFields[P(SortFields.Length)];
            if (!used.Add(f)) continue;
            if (P(5) == 0) direction = P(2) == 0 ? "asc" : "desc"; // sometimes mixed
            sort.Add(direction == "asc" && P(2) == 0 ? JsonValue.Create(f) : new JsonObject { [f] = direction });
        }
        return sort;
    }

    public string[] IndexFields()
    {
        string[] pool = ["a", "b", "c", "n.x", "tags"];
        int n = 1 + P(3);
        return [.. pool.OrderBy(_ => random.Next()).Take(n)];
    }

    public int Limit() => new[] { 1, 2, 3, 5, 10, 25, 60 }[P(7)];

    public int Skip() => P(3) == 0 ? P(6) : 0;
}
