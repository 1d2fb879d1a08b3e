namespace MyNoSql.Grains.Index;

/// <summary>
/// An index segment's persisted entries, used only with shared storage (ADO.NET), where no local store exists
/// to rebuild the segment from. Written whole on every change: fine for that alternative, not for lzma-shards.
/// </summary>
[GenerateSerializer, Alias("mynosql.SegmentState")]
internal sealed class SegmentState
{
    [Id(0)]
    public List<IndexEntryInfo> Entries { get; set; } = [];
}
