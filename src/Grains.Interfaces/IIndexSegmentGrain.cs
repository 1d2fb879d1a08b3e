using Orleans.Concurrency;

namespace MyNoSql.Grains;

/// <summary>
/// One revision-index segment of a database, keyed <c>"{db}/{segment}"</c> (see <see cref="RecordKey"/>):
/// id → (winning rev, sequence), a per-segment sequence, an order-independent digest and the live ids in order.
/// </summary>
[Alias("mynosql.IIndexSegmentGrain")]
public interface IIndexSegmentGrain : IGrainWithStringKey
{
    /// <summary>Records a new winning revision of an id; returns the segment sequence after it.</summary>
    [Alias("Apply")]
    ValueTask<long> Apply(string id, string rev, bool deleted, CancellationToken cancellationToken = default);

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
}
