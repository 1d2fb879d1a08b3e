namespace MyNoSql.Grains;

/// <summary>Summary of one index segment: order-independent digest of every (id, rev, deleted), entry count, sequence.</summary>
[GenerateSerializer, Immutable, Alias("mynosql.SegmentDigest")]
public sealed record SegmentDigest(
    [property: Id(0)] int Segment,
    [property: Id(1)] string Digest,
    [property: Id(2)] int Count,
    [property: Id(3)] long Epoch,
    [property: Id(4)] long Sequence);
