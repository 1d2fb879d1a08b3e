namespace MyNoSql.Grains;

/// <summary>One secondary index of a database as the cluster-wide catalog holds it (DESIGN §7).</summary>
/// <param name="Name">The index's name.</param>
/// <param name="Fields">The dotted field paths of its compound key, in order.</param>
[GenerateSerializer, Immutable, Alias("mynosql.IndexSpec")]
public sealed record IndexSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] string[] Fields);
