using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// <c>$in</c> / <c>$nin</c> (<see cref="Negated"/>). On an array value, <c>$in</c> matches when some element equals some
/// operand (CouchDB); on any other value, when the value equals some operand. <c>$nin</c> is its exact negation.
/// </summary>
internal sealed class InSelector(JsonNode?[] operands, bool negated) : SelectorNode
{
    public JsonNode?[] Operands { get; } = Array.ConvertAll(operands, Collation.Own);

    public bool Negated { get; } = negated;

    public override bool Test(JsonNode? value) => Negated != Contains(value);

    public override SelectorNode Negate() => new InSelector(Operands, !Negated);

    public override JsonObject ToJson() =>
        new() { [Negated ? "$nin" : "$in"] = new JsonArray([.. Array.ConvertAll(Operands, o => o?.DeepClone())]) };

    private bool Contains(JsonNode? value)
    {
        if (value is JsonArray array)
        {
            for (int i = 0; i < array.Count; i++) // indexing: JsonArray's enumerator is a boxed interface
                if (Any(array[i])) return true;
            return false;
        }
        return Any(value);
    }

    private bool Any(JsonNode? value)
    {
        foreach (var operand in Operands)
            if (Collation.Equal(value, operand)) return true;
        return false;
    }
}
