namespace MyNoSql.Grains;

/// <summary>A mirror's stable silo name and the base URL of its HTTP gateway.</summary>
[GenerateSerializer, Immutable, Alias("mynosql.MirrorInfo")]
public sealed record MirrorInfo([property: Id(0)] string SiloName, [property: Id(1)] string Url);
