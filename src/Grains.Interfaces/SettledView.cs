namespace MyNoSql.Grains;

/// <summary>
/// The replica view a mirror last settled under <c>--replicas N</c> (DESIGN §12): every record whose set gained a mirror
/// when it moved to this view was sent from this mirror. <paramref name="Mirrors"/> are the mirrors' stable identities,
/// sorted ordinally; null when this mirror has settled no view yet (or runs without replicas).
/// </summary>
[GenerateSerializer, Immutable, Alias("mynosql.SettledView")]
public sealed record SettledView([property: Id(0)] int Replicas, [property: Id(1)] string[]? Mirrors);
