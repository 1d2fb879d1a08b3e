using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary><c>$type</c>: one of <c>null boolean number string array object</c>.</summary>
internal sealed class TypeSelector(string typeName) : SelectorNode
{
    /// <summary>The names <c>$type</c> accepts.</summary>
    public static readonly string[] Names = ["null", "boolean", "number", "string", "array", "object"];

    public string TypeName { get; } = typeName;

    public override bool Test(JsonNode? value) => NameOf(value) == TypeName;

    public override SelectorNode Negate() => new NotSelector(this);

    public override JsonObject ToJson() => new() { ["$type"] = TypeName };

    private static string NameOf(JsonNode? value) => Collation.Rank(value) switch
    {
        CollationKey.Null => "null",
        CollationKey.False or CollationKey.True => "boolean",
        CollationKey.Number => "number",
        CollationKey.String => "string",
        CollationKey.Array => "array",
        _ => "object",
    };
}
