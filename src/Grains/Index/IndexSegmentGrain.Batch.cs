using MyNoSql.Storage.Documents;

namespace MyNoSql.Grains.Index;

internal sealed partial class IndexSegmentGrain
{
    // A batch of pushed records: each entry as Apply sets it, then the feeds are told and the state persisted once. An
    // entry whose id this segment already lists at a higher generation is skipped: a later edit of the record (its grain
    // saved on top of the pushed revision) reached the index before the batch did.
    public async ValueTask<long> ApplyMany(IndexEntryInfo[] entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var e in entries) ArgumentException.ThrowIfNullOrEmpty(e.Id);
        long before = _segment.Sequence;
        foreach (var e in entries)
        {
            var rev = Revision.Parse(e.Rev);
            if (_segment.TryGet(e.Id, out var known) && known.Rev.Generation > rev.Generation) continue;
            Set(e.Id, rev, e.Deleted, e.Conflicts);
        }
        return await PublishChangesAsync(before);
    }
}
