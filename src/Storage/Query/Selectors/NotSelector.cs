using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>The negation of an operator with no inverse operator (<c>$type</c>, <c>$size</c>, <c>$mod</c>, <c>$regex</c>, <c>$elemMatch</c>, <c>$allMatch</c>).</summary>
internal sealed class NotSelector(SelectorNode inner) : SelectorNode
{
    public SelectorNode Inner { get; } = inner;

    public override bool Test(JsonNode? value) => !Inner.Test(value);

    public override SelectorNode Negate() => Inner;

    public override JsonObject ToJson() => new() { ["$not"] = Inner.ToJson() };
}
