namespace MyNoSql.Grains;

/// <summary>Live ids' entries in ordinal order of id; <paramref name="HasMore"/> when the limit cut the list.</summary>
[GenerateSerializer, Immutable, Alias("mynosql.EntryPage")]
public sealed record EntryPage([property: Id(0)] IndexEntryInfo[] Entries, [property: Id(1)] bool HasMore);
