namespace MyNoSql.Grains;

/// <summary>
/// One id's winning revision in an index segment, the segment sequence of its last change and the fingerprint of
/// its live conflict revisions (null when it has none, or when the segment was rebuilt from a store that keeps no
/// fingerprints).
/// </summary>
[GenerateSerializer, Immutable, Alias("mynosql.IndexEntryInfo")]
public sealed record IndexEntryInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Rev,
    [property: Id(2)] bool Deleted,
    [property: Id(3)] long Sequence,
    [property: Id(4)] string? Conflicts = null);
