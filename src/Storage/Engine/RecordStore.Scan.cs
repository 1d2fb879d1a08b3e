namespace MyNoSql.Storage.Engine;

/// <summary>Bulk reads: every current version under a prefix in storage order (index builds, catch-ups).</summary>
internal sealed partial class RecordStore
{
    /// <summary>
    /// Visits the current version (live or deleted) of every key of <paramref name="shard"/> starting with
    /// <paramref name="prefix"/> whose <see cref="RecordHeader.Sequence"/> is above <paramref name="afterSequence"/>,
    /// in storage order (segment blocks decoded once each, logs read in large chunks), on the calling thread.
    /// Returns how many were visited.
    /// </summary>
    /// <remarks>Snapshot: each key is visited once, with the version it had when the scan started (a short directory
    /// pass under the shard lock), even if a seal or segment rewrite moves it meanwhile. Writes after that point are
    /// not visited: a caller that must not miss them observes writes first (the replica store's observers) and
    /// then scans; the version stamps order the two.</remarks>
    /// <exception cref="CorruptDataException">A frame or block failed its checksum (file and offset named).</exception>
    public long Scan(int shard, RecordScanVisitor visitor, string prefix = "", ulong afterSequence = 0, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, _shards.Length);
        ArgumentNullException.ThrowIfNull(visitor);
        ArgumentNullException.ThrowIfNull(prefix);
        return _shards[shard].Scan(prefix, afterSequence, visitor, cancellationToken);
    }

    /// <summary><see cref="Scan"/> over every shard, one pool task per shard: <paramref name="visitor"/> is called
    /// concurrently from several threads. Returns how many records were visited.</summary>
    /// <exception cref="CorruptDataException">A frame or block failed its checksum (file and offset named).</exception>
    public async Task<long> ScanAsync(RecordScanVisitor visitor, string prefix = "", CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(visitor);
        ArgumentNullException.ThrowIfNull(prefix);
        var counts = await Task.WhenAll(_shards.Select(s => Task.Run(() => s.Scan(prefix, 0, visitor, cancellationToken), cancellationToken))).ConfigureAwait(false);
        return counts.Sum();
    }
}
