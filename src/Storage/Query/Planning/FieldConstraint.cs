using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// What one conjunctive branch of a selector requires of one field, as far as an index can use it: equality to one
/// value (<c>$eq</c>), membership in a set (<c>$in</c>), and/or bounds (<c>$gt $gte $lt $lte</c>). Necessary conditions
/// only: the executor re-evaluates the full selector on every candidate.
/// </summary>
internal sealed class FieldConstraint
{
    /// <summary>Equality to one of these values (one for <c>$eq</c>); null when the field has no equality condition.</summary>
    public JsonNode?[]? Equal { get; private set; }

    /// <summary>The values came from <c>$in</c>, which also matches arrays containing a value: arrays stay candidates.</summary>
    public bool FromIn { get; private set; }

    public bool HasLow { get; private set; }

    public JsonNode? Low { get; private set; }

    public bool LowInclusive { get; private set; }

    public bool HasHigh { get; private set; }

    public JsonNode? High { get; private set; }

    public bool HighInclusive { get; private set; }

    /// <summary>Exactly one value, not from <c>$in</c>: every match has this field collation-equal to it.</summary>
    public bool IsSingleEqual => Equal is { Length: 1 } && !FromIn;

    /// <summary>The constraint one operator imposes; null when it gives an index nothing.</summary>
    public static FieldConstraint? Of(SelectorNode condition) => condition switch
    {
        CompareSelector { Op: CompareOp.Eq } c => new FieldConstraint { Equal = [c.Operand] },
        CompareSelector { Op: CompareOp.Gt or CompareOp.Gte } c => new FieldConstraint { HasLow = true, Low = c.Operand, LowInclusive = c.Op == CompareOp.Gte },
        CompareSelector { Op: CompareOp.Lt or CompareOp.Lte } c => new FieldConstraint { HasHigh = true, High = c.Operand, HighInclusive = c.Op == CompareOp.Lte },
        InSelector { Negated: false } i => new FieldConstraint { Equal = i.Operands, FromIn = true },
        _ => null,
    };

    /// <summary>Both constraints (the tighter bound of each side; the first equality when both have one).</summary>
    public FieldConstraint And(FieldConstraint other)
    {
        var result = (FieldConstraint)MemberwiseClone();
        if (result.Equal is null || (result.FromIn && other.Equal is not null && !other.FromIn))
        {
            result.Equal = other.Equal;
            result.FromIn = other.FromIn;
        }
        if (other.HasLow)
        {
            int c = result.HasLow ? Collation.Compare(other.Low, result.Low) : 1;
            if (c > 0 || (c == 0 && !other.LowInclusive)) (result.HasLow, result.Low, result.LowInclusive) = (true, other.Low, other.LowInclusive);
        }
        if (other.HasHigh)
        {
            int c = result.HasHigh ? Collation.Compare(other.High, result.High) : -1;
            if (c < 0 || (c == 0 && !other.HighInclusive)) (result.HasHigh, result.High, result.HighInclusive) = (true, other.High, other.HighInclusive);
        }
        return result;
    }
}
