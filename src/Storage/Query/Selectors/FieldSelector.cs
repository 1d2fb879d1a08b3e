using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// One condition on one field path of the context value. A missing field (or a path through a non-object) matches
/// only <c>$exists: false</c>: every other condition, negated ones included (<c>$ne</c>, <c>$nin</c>, <c>$not</c>,
/// <c>$nor</c>), fails on it — CouchDB's rule, which it gets by pushing negations onto the field's condition.
/// </summary>
internal sealed class FieldSelector : SelectorNode
{
    private readonly string[] _segments;

    public FieldSelector(FieldPath path, SelectorNode condition)
    {
        Path = path;
        Condition = condition;
        _segments = [.. path.Segments];
    }

    public FieldPath Path { get; }

    /// <summary>A single operator (possibly wrapped in <see cref="NotSelector"/>), applied to the field's value.</summary>
    public SelectorNode Condition { get; }

    public override bool Test(JsonNode? value) =>
        TryResolve(value, out var field) ? Condition.Test(field) : Condition is ExistsSelector { ShouldExist: false };

    public override SelectorNode Negate() => new FieldSelector(Path, Condition.Negate());

    public override JsonObject ToJson() => new() { [Path.Text] = Condition.ToJson() };

    // FieldPath.TryGet's twin over a cached array: no enumerator on the hot path.
    private bool TryResolve(JsonNode? value, out JsonNode? field)
    {
        field = value;
        foreach (string segment in _segments)
        {
            if (field is not JsonObject obj || !obj.TryGetPropertyValue(segment, out field))
            {
                field = null;
                return false;
            }
        }
        return true;
    }
}
