namespace MyNoSql.Storage.Mirror;

/// <summary>Counts of one anti-entropy round between two replicas.</summary>
internal readonly record struct RepairReport(int SegmentsDiffering, int RecordsPulled, int RecordsPushed);

/// <summary>
/// One anti-entropy round between two replicas of a database: compare the per-segment digests, and only for the
/// segments that differ compare the ids, then copy every record whose leaves differ in both directions and merge
/// it with the replication rules. Since merging is commutative and idempotent, both sides end equal.
/// </summary>
internal static class AntiEntropy
{
    private const int BatchSize = 256;

    public static async Task<RepairReport> RepairAsync(IReplica local, IReplica remote, string database, CancellationToken cancellationToken)
    {
        var mine = await local.GetDigestsAsync(database, cancellationToken).ConfigureAwait(false);
        var theirs = await remote.GetDigestsAsync(database, cancellationToken).ConfigureAwait(false);
        int differing = 0, pulled = 0, pushed = 0;
        for (int segment = 0; segment < mine.Length && segment < theirs.Length; segment++)
        {
            if (mine[segment] == theirs[segment]) continue;
            differing++;
            var a = (await local.GetEntriesAsync(database, segment, cancellationToken).ConfigureAwait(false)).ToDictionary(e => e.Id, e => e.Digest, StringComparer.Ordinal);
            var b = (await remote.GetEntriesAsync(database, segment, cancellationToken).ConfigureAwait(false)).ToDictionary(e => e.Id, e => e.Digest, StringComparer.Ordinal);
            var toPull = b.Where(e => !a.TryGetValue(e.Key, out var d) || d != e.Value).Select(e => e.Key).ToList();
            var toPush = a.Where(e => !b.TryGetValue(e.Key, out var d) || d != e.Value).Select(e => e.Key).ToList();
            pulled += await CopyAsync(remote, local, database, toPull, cancellationToken).ConfigureAwait(false);
            pushed += await CopyAsync(local, remote, database, toPush, cancellationToken).ConfigureAwait(false);
        }
        return new RepairReport(differing, pulled, pushed);
    }

    private static async Task<int> CopyAsync(IReplica from, IReplica to, string database, List<string> ids, CancellationToken cancellationToken)
    {
        int copied = 0;
        foreach (var chunk in ids.Chunk(BatchSize))
        {
            var records = await from.ReadRecordsAsync(database, chunk, cancellationToken).ConfigureAwait(false);
            if (records.Count == 0) continue;
            await to.MergeRecordsAsync(database, records, cancellationToken).ConfigureAwait(false);
            copied += records.Count;
        }
        return copied;
    }
}
