using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary><c>$and</c> (and the implicit and of several keys): every child matches; an empty list matches everything.</summary>
internal sealed class AndSelector(SelectorNode[] children) : SelectorNode
{
    public SelectorNode[] Children { get; } = children;

    public override bool Test(JsonNode? value)
    {
        foreach (var child in Children)
            if (!child.Test(value)) return false;
        return true;
    }

    public override SelectorNode Negate() => new OrSelector(Array.ConvertAll(Children, c => c.Negate()));

    public override JsonObject ToJson() => new() { ["$and"] = new JsonArray([.. Array.ConvertAll(Children, c => (JsonNode)c.ToJson())]) };
}
