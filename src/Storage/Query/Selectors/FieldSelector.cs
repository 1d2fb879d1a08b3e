using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// One condition on one field path of the context value. A missing field (<see cref="FieldPath.TryGet"/> finds nothing)
/// matches only <c>$exists: false</c>: every other condition, negated ones included (<c>$ne</c>, <c>$nin</c>, <c>$not</c>,
/// <c>$nor</c>), fails on it — CouchDB's rule, which it gets by pushing negations onto the field's condition.
/// </summary>
internal sealed class FieldSelector : SelectorNode
{
    public FieldSelector(FieldPath path, SelectorNode condition)
    {
        Path = path;
        Condition = condition;
    }

    public FieldPath Path { get; }

    /// <summary>A single operator (possibly wrapped in <see cref="NotSelector"/>), applied to the field's value.</summary>
    public SelectorNode Condition { get; }

    public override bool Test(JsonNode? value) =>
        Path.TryGet(value, out var field) ? Condition.Test(field) : Condition is ExistsSelector { ShouldExist: false };

    public override SelectorNode Negate() => new FieldSelector(Path, Condition.Negate());

    public override JsonObject ToJson() => new() { [Path.Text] = Condition.ToJson() };
}
