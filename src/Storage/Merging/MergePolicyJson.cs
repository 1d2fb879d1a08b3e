using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Merging;

/// <summary>The policy's JSON shape, the same on HTTP and in peer files: <c>{"fields":{"title":"latest","score":"max"}}</c>
/// (strategy names lowercase), optionally with <c>"stamp"</c>, the hybrid-clock stamp of the change (the newer wins when
/// two replicas changed the policy). An empty object <c>{}</c> is the empty policy.</summary>
internal static class MergePolicyJson
{
    /// <summary>The most fields a policy may name.</summary>
    public const int MaxFields = 1000;

    /// <summary>The longest field name accepted (UTF-16 code units).</summary>
    public const int MaxFieldNameLength = 256;

    /// <summary>Parses a policy.</summary>
    /// <exception cref="ArgumentException">Not an object with a <c>fields</c> object of known strategy names (the message says which).</exception>
    public static (MergePolicy Policy, long Stamp) Parse(JsonNode? json)
    {
        if (json is not JsonObject root) throw new ArgumentException("A merge policy must be a JSON object {\"fields\":{\"name\":\"strategy\"},\"stamp\":N}.", nameof(json));
        long stamp = 0;
        var policy = new MergePolicy();
        foreach (var (key, value) in root)
        {
            switch (key)
            {
                case "fields":
                    if (value is not JsonObject fields) throw new ArgumentException("The merge policy's \"fields\" must be an object of field name to strategy.", nameof(json));
                    if (fields.Count > MaxFields) throw new ArgumentException($"A merge policy names at most {MaxFields} fields (this one names {fields.Count}).", nameof(json));
                    foreach (var (name, strategy) in fields)
                        policy.Fields[name] = ParseStrategy(name, strategy);
                    break;
                case "stamp":
                    if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue(out stamp) && !TryInteger(v, out stamp) || stamp < 0)
                        throw new ArgumentException("The merge policy's \"stamp\" must be a non-negative integer.", nameof(json));
                    break;
                default:
                    throw new ArgumentException($"Unknown member \"{key}\" in a merge policy (expected \"fields\" and optionally \"stamp\").", nameof(json));
            }
        }
        Validate(policy);
        return (policy, stamp);
    }

    /// <summary>Checks a policy built in code: field names non-empty top-level names other than <c>id</c>/<c>rev</c>,
    /// strategies defined, at most <see cref="MaxFields"/> fields.</summary>
    /// <exception cref="ArgumentException">What is wrong, naming the field.</exception>
    public static void Validate(MergePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.Fields.Count > MaxFields) throw new ArgumentException($"A merge policy names at most {MaxFields} fields (this one names {policy.Fields.Count}).", nameof(policy));
        foreach (var (name, strategy) in policy.Fields)
        {
            ValidateName(name);
            if (!Enum.IsDefined(strategy)) throw new ArgumentException($"Merge policy field \"{name}\": strategy {(int)strategy} is not defined (use winner, latest, max, min, union or counter).", nameof(policy));
        }
    }

    /// <summary>The JSON form (fields in ordinal order, stamp included when not 0).</summary>
    public static JsonObject ToJson(MergePolicy policy, long stamp = 0)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var fields = new JsonObject();
        foreach (var (name, strategy) in policy.Fields.OrderBy(f => f.Key, StringComparer.Ordinal)) fields[name] = NameOf(strategy);
        var json = new JsonObject { ["fields"] = fields };
        if (stamp != 0) json["stamp"] = stamp;
        return json;
    }

    /// <summary>A copy of <paramref name="policy"/> (policies are mutable; stored ones are never handed out).</summary>
    public static MergePolicy Copy(MergePolicy policy)
    {
        var copy = new MergePolicy();
        foreach (var (name, strategy) in policy.Fields) copy.Fields[name] = strategy;
        return copy;
    }

    /// <summary>The lowercase wire name of a strategy.</summary>
    public static string NameOf(MergeStrategy strategy) => strategy.ToString().ToLowerInvariant();

    private static MergeStrategy ParseStrategy(string field, JsonNode? value)
    {
        ValidateName(field);
        string? text = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        return text switch
        {
            "winner" => MergeStrategy.Winner,
            "latest" => MergeStrategy.Latest,
            "max" => MergeStrategy.Max,
            "min" => MergeStrategy.Min,
            "union" => MergeStrategy.Union,
            "counter" => MergeStrategy.Counter,
            null => throw new ArgumentException($"Merge policy field \"{field}\": the strategy must be a string (winner, latest, max, min, union or counter).", nameof(value)),
            _ => throw new ArgumentException($"Merge policy field \"{field}\": unknown strategy \"{Shorten(text)}\" (use winner, latest, max, min, union or counter).", nameof(value)),
        };
    }

    private static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("A merge policy field name cannot be empty.", nameof(name));
        if (name.Length > MaxFieldNameLength) throw new ArgumentException($"Merge policy field \"{Shorten(name)}\": names are at most {MaxFieldNameLength} characters.", nameof(name));
        if (name is "id" or "rev") throw new ArgumentException($"Merge policy field \"{name}\": id and rev are not content fields and cannot be merged.", nameof(name));
    }

    private static bool TryInteger(JsonValue value, out long result)
    {
        result = 0;
        if (!value.TryGetValue(out double d) || d != Math.Floor(d) || d < 0 || d >= 9.2e18) return false;
        result = (long)d;
        return true;
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
