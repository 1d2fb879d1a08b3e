using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary><c>$or</c>: some child matches; an empty list matches nothing (as CouchDB's <c>lists:any</c>).</summary>
internal sealed class OrSelector(SelectorNode[] children) : SelectorNode
{
    public SelectorNode[] Children { get; } = children;

    public override bool Test(JsonNode? value)
    {
        foreach (var child in Children)
            if (child.Test(value)) return true;
        return false;
    }

    public override SelectorNode Negate() => new AndSelector(Array.ConvertAll(Children, c => c.Negate()));

    public override JsonObject ToJson() => new() { ["$or"] = new JsonArray([.. Array.ConvertAll(Children, c => (JsonNode)c.ToJson())]) };
}
