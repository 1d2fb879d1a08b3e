namespace MyNoSql.Grains;

/// <summary>Live ids in ordinal order; <paramref name="HasMore"/> when the limit cut the list.</summary>
[GenerateSerializer, Immutable, Alias("mynosql.IdPage")]
public sealed record IdPage([property: Id(0)] string[] Ids, [property: Id(1)] bool HasMore);
