namespace MyNoSql.Grains;

/// <summary>
/// Changes of one index segment after a sequence. <paramref name="Epoch"/> identifies the sequence space: when
/// it differs from the caller's, the caller's sequence means nothing here and <paramref name="Entries"/> starts
/// from the beginning.
/// </summary>
[GenerateSerializer, Immutable, Alias("mynosql.SegmentChanges")]
public sealed record SegmentChanges(
    [property: Id(0)] long Epoch,
    [property: Id(1)] long Sequence,
    [property: Id(2)] IndexEntryInfo[] Entries,
    [property: Id(3)] bool HasMore);
