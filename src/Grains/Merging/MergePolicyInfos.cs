namespace MyNoSql.Grains.Merging;

/// <summary>Converts between the grains' wire form of a policy (<see cref="MergePolicyInfo"/>) and <see cref="MergePolicy"/>.</summary>
internal static class MergePolicyInfos
{
    /// <summary>The policy of <paramref name="info"/>.</summary>
    /// <exception cref="ArgumentException">A strategy name is not one of winner, latest, max, min, union, counter.</exception>
    public static MergePolicy ToPolicy(MergePolicyInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var policy = new MergePolicy();
        foreach (var (field, name) in info.Fields ?? [])
        {
            if (!TryParse(name, out var strategy))
                throw new ArgumentException($"Field '{field}': unknown merge strategy '{name}' (use winner, latest, max, min, union or counter).", nameof(info));
            policy.Fields[field] = strategy;
        }
        return policy;
    }

    /// <summary>The wire form of <paramref name="policy"/> with <paramref name="stamp"/>.</summary>
    public static MergePolicyInfo FromPolicy(MergePolicy policy, long stamp)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (field, strategy) in policy.Fields) fields[field] = strategy.ToString().ToLowerInvariant();
        return new MergePolicyInfo(fields, stamp);
    }

    /// <summary>Parses a lowercase strategy name.</summary>
    public static bool TryParse(string? name, out MergeStrategy strategy)
    {
        strategy = MergeStrategy.Winner;
        return name is { Length: > 0 } && name.All(char.IsAsciiLetterLower) && Enum.TryParse(name, ignoreCase: true, out strategy);
    }
}
