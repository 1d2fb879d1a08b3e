namespace MyNoSql.Grains;

/// <summary>A record's winning revision and its recent ancestry (newest first).</summary>
[GenerateSerializer, Immutable, Alias("mynosql.RevisionInfo")]
public sealed record WinnerRevision([property: Id(0)] string Rev, [property: Id(1)] bool Deleted, [property: Id(2)] string[] Ancestry);
