using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.Cli;

/// <summary>How results are written: compact JSON (one value per line) for <c>--json</c> and NDJSON, indented for people.</summary>
internal static class Output
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Line(JsonNode? node) => node?.ToJsonString(Compact) ?? "null";

    public static string Pretty(JsonNode? node) => node?.ToJsonString(Indented) ?? "null";

    /// <summary>Writes <paramref name="node"/> compact when <paramref name="json"/>, else indented.</summary>
    public static void Write(TextWriter w, JsonNode? node, bool json) => w.WriteLine(json ? Line(node) : Pretty(node));

    /// <summary>A status object as "key: value" lines for people.</summary>
    public static void WriteFields(TextWriter w, JsonObject o)
    {
        foreach (var (key, value) in o)
        {
            string text = value switch
            {
                null => "-",
                JsonValue v when v.TryGetValue(out string? s) => s,
                JsonArray a => a.Count == 0 ? "-" : string.Join(", ", a.Select(x => x is JsonValue xv && xv.TryGetValue(out string? xs) ? xs : Line(x))),
                _ => Line(value),
            };
            w.WriteLine($"{key}: {text}");
        }
    }
}
