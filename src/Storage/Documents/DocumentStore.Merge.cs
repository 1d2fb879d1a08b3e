using MyNoSql.Storage.Engine;
using MyNoSql.Storage.Merging;

namespace MyNoSql.Storage.Documents;

internal sealed partial class DocumentStore
{
    /// <summary>
    /// Resolves, by <paramref name="policy"/>, every stored record flagged <see cref="RecordFlags.HasConflicts"/> (a
    /// directory scan; only flagged records are read). A policy that is set or arrives does not otherwise rewrite old
    /// conflicts: merges resolve the records they make conflicted. Records whose common ancestor's body is not kept
    /// here stay conflicted (a replica that holds it resolves them). Each resolution is a local edit (pending).
    /// Returns how many records were resolved.
    /// </summary>
    public async ValueTask<int> ResolveConflictsAsync(MergePolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.IsEmpty) return 0;
        int resolved = 0;
        foreach (var header in Records.List())
        {
            if ((header.Flags & RecordFlags.HasConflicts) == 0) continue;
            cancellationToken.ThrowIfCancellationRequested();
            using (await _replica.LockAsync(header.Key, cancellationToken).ConfigureAwait(false))
            {
                var record = await ReadRecordAsync(header.Key, cancellationToken).ConfigureAwait(false);
                if (record is null || ConflictResolver.TryResolve(record, policy, _replica.HistoryDepth) is not { } resolution) continue;
                await PersistAsync(resolution, RecordFlags.Pending, cancellationToken).ConfigureAwait(false);
                resolved++;
            }
        }
        return resolved;
    }
}
