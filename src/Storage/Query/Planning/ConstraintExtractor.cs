namespace MyNoSql.Storage.Query;

/// <summary>
/// Reads a selector as a small disjunction of conjunctive branches of <see cref="FieldConstraint"/>s (top-level
/// <c>$and</c> multiplies out, <c>$or</c> adds branches), so that an <c>$or</c> whose every branch constrains the same
/// index becomes a union of key ranges. Branches are necessary conditions: a branch that constrains nothing makes
/// the whole disjunction unconstrained, and beyond <see cref="MaxBranches"/> a child is simply not used.
/// </summary>
internal static class ConstraintExtractor
{
    /// <summary>The most branches kept.</summary>
    public const int MaxBranches = 64;

    /// <summary>The branches of <paramref name="selector"/>; a single empty branch when nothing can be used.</summary>
    public static List<Dictionary<FieldPath, FieldConstraint>> Branches(Selector selector)
    {
        switch (selector)
        {
            case AndSelector and:
            {
                List<Dictionary<FieldPath, FieldConstraint>> result = [[]];
                foreach (var child in and.Children)
                {
                    var branches = Branches(child);
                    if (result.Count * branches.Count > MaxBranches) continue; // dropping a conjunct only widens
                    var product = new List<Dictionary<FieldPath, FieldConstraint>>(result.Count * branches.Count);
                    foreach (var left in result)
                        foreach (var right in branches)
                            product.Add(Conjoin(left, right));
                    result = product;
                }
                return result;
            }
            case OrSelector or:
            {
                var result = new List<Dictionary<FieldPath, FieldConstraint>>();
                foreach (var child in or.Children)
                {
                    foreach (var branch in Branches(child))
                    {
                        if (branch.Count == 0 || result.Count == MaxBranches) return [[]];
                        result.Add(branch);
                    }
                }
                return result; // $or: [] matches nothing: no branch, no range
            }
            case FieldSelector field when FieldConstraint.Of(field.Condition) is { } constraint:
                return [new() { [field.Path] = constraint }];
            default:
                return [[]];
        }
    }

    private static Dictionary<FieldPath, FieldConstraint> Conjoin(Dictionary<FieldPath, FieldConstraint> left, Dictionary<FieldPath, FieldConstraint> right)
    {
        var result = new Dictionary<FieldPath, FieldConstraint>(left);
        foreach (var (path, constraint) in right)
            result[path] = result.TryGetValue(path, out var existing) ? existing.And(constraint) : constraint;
        return result;
    }
}
