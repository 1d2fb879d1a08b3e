using MyNoSql.Storage.Index;

namespace MyNoSql.Grains.Index;

/// <summary>
/// Index entries as both the cluster's segment grains and each mirror's own store index (LocalIndex) answer them: an
/// entry's wire form and one page of a segment's changes.
/// </summary>
internal static class SegmentPage
{
    public static IndexEntryInfo Info(IndexEntry e) => new(e.Id, e.Rev.ToString(), e.Deleted, e.Sequence, e.Conflicts);

    /// <summary>
    /// <paramref name="segment"/>'s changes after <paramref name="since"/>, at most <paramref name="limit"/>, in the sequence
    /// space <paramref name="epoch"/>; the page's sequence is its last entry's when more follow, else the segment's.
    /// </summary>
    public static SegmentChanges Of(IndexSegment segment, long epoch, long since, int limit)
    {
        var changes = segment.ChangesSince(since, limit + 1);
        bool more = changes.Count > limit;
        IndexEntryInfo[] entries = [.. changes.Take(limit).Select(Info)];
        return new SegmentChanges(epoch, more ? entries[^1].Sequence : segment.Sequence, entries, more);
    }
}
