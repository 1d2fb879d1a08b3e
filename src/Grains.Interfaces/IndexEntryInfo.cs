namespace MyNoSql.Grains;

/// <summary>One id's winning revision in an index segment and the segment sequence of its last change.</summary>
[GenerateSerializer, Immutable, Alias("mynosql.IndexEntryInfo")]
public sealed record IndexEntryInfo([property: Id(0)] string Id, [property: Id(1)] string Rev, [property: Id(2)] bool Deleted, [property: Id(3)] long Sequence);
