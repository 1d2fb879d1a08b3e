namespace MyNoSql.Grains;

/// <summary>
/// A database's merge policy as the mirrors hold it (DESIGN §8): the strategy per top-level field (lowercase names:
/// winner, latest, max, min, union, counter) and the hybrid-clock stamp of the change (the newest stamp wins).
/// </summary>
/// <param name="Fields">Field name → strategy name.</param>
/// <param name="Stamp">Stamp of the change; 0 = none held yet (on a put: let the mirror stamp it).</param>
[GenerateSerializer, Immutable, Alias("mynosql.MergePolicyInfo")]
public sealed record MergePolicyInfo([property: Id(0)] Dictionary<string, string> Fields, [property: Id(1)] long Stamp)
{
    /// <summary>No policy (nothing held).</summary>
    public static MergePolicyInfo None { get; } = new([], 0);
}
