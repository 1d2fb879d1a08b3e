using Orleans.Concurrency;

namespace MyNoSql.Grains;

/// <summary>
/// One revision-index segment of a database, keyed <c>"{db}/{segment}"</c> (see <see cref="RecordKey"/>):
/// id → (winning rev, sequence), a per-segment sequence, an order-independent digest and the live ids in order.
/// </summary>
[Alias("mynosql.IIndexSegmentGrain")]
public interface IIndexSegmentGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records the winning revision of an id and the fingerprint of its live conflicts (null = none); returns the
    /// segment sequence after it (unchanged when both were already known).
    /// </summary>
    [Alias("Apply")]
    ValueTask<long> Apply(string id, string rev, bool deleted, string? conflicts, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="Apply"/> for many ids at once (a batch of pushed records; <see cref="IndexEntryInfo.Sequence"/> is
    /// ignored): entries in order, the change feeds told once; returns the segment sequence after them.
    /// </summary>
    [Alias("ApplyMany")]
    ValueTask<long> ApplyMany(IndexEntryInfo[] entries, CancellationToken cancellationToken = default);

    /// <summary>The entry of one id; null when unknown.</summary>
    [Alias("Get"), ReadOnly]
    ValueTask<IndexEntryInfo?> Get(string id, CancellationToken cancellationToken = default);

    /// <summary>Entries changed after <paramref name="sequence"/> of <paramref name="epoch"/>, oldest first.</summary>
    [Alias("ChangesSince"), ReadOnly]
    ValueTask<SegmentChanges> ChangesSince(long epoch, long sequence, int limit, CancellationToken cancellationToken = default);

    /// <summary>The segment's digest, size and sequence.</summary>
    [Alias("GetDigest"), ReadOnly]
    ValueTask<SegmentDigest> GetDigest(CancellationToken cancellationToken = default);

    /// <summary>Live ids starting with <paramref name="prefix"/> and ordinally after <paramref name="after"/>, at most <paramref name="limit"/>.</summary>
    [Alias("ListIds"), ReadOnly]
    ValueTask<IdPage> ListIds(string prefix, string? after, int limit, CancellationToken cancellationToken = default);

    /// <summary><see cref="ListIds"/> with each id's entry (winning rev, conflicts): a listing with revisions that reads
    /// no record.</summary>
    [Alias("ListEntries"), ReadOnly]
    ValueTask<EntryPage> ListEntries(string prefix, string? after, int limit, CancellationToken cancellationToken = default);
}
