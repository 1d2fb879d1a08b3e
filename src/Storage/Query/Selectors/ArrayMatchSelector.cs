using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// <c>$elemMatch</c> (some element matches <see cref="Element"/>) and <c>$allMatch</c> (<see cref="All"/>: every element
/// matches, and there is at least one — an empty array does not match, as in CouchDB). Non-arrays never match.
/// </summary>
internal sealed class ArrayMatchSelector(SelectorNode element, bool all) : SelectorNode
{
    public SelectorNode Element { get; } = element;

    public bool All { get; } = all;

    public override bool Test(JsonNode? value)
    {
        if (value is not JsonArray array || array.Count == 0) return false;
        for (int i = 0; i < array.Count; i++) // indexing: JsonArray's enumerator is a boxed interface
            if (Element.Test(array[i]) != All) return !All;
        return All;
    }

    public override SelectorNode Negate() => new NotSelector(this);

    public override JsonObject ToJson() => new() { [All ? "$allMatch" : "$elemMatch"] = Element.ToJson() };
}
