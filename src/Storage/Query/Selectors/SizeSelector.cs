using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary><c>$size</c>: the value is an array of exactly <see cref="Size"/> elements (anything else: no match).</summary>
internal sealed class SizeSelector(int size) : SelectorNode
{
    public int Size { get; } = size;

    public override bool Test(JsonNode? value) => value is JsonArray array && array.Count == Size;

    public override SelectorNode Negate() => new NotSelector(this);

    public override JsonObject ToJson() => new() { ["$size"] = Size };
}
