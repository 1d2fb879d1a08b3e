namespace MyNoSql.Grains;

/// <summary>
/// The index definitions of one database, cluster-wide: every mirror builds and uses exactly these. Each change makes
/// a new <paramref name="Version"/> (greater wins), so a mirror can tell whether what it knows is current.
/// </summary>
/// <param name="Version">Grows by one per change; 0 = no index was ever defined.</param>
/// <param name="Indexes">The definitions, by name.</param>
[GenerateSerializer, Immutable, Alias("mynosql.IndexCatalog")]
public sealed record IndexCatalog(
    [property: Id(0)] long Version,
    [property: Id(1)] IndexSpec[] Indexes)
{
    /// <summary>No index (version 0).</summary>
    public static IndexCatalog Empty { get; } = new(0, []);
}
