using System.Text.Json.Nodes;
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

    // TODO(H1 merge): helper H1's DocumentStore.History.cs defines ResolveAsync over DocumentRules.Resolve; this
    // stand-in (same signature and rules) goes when that lands on main.
    /// <summary>The application's manual merge: <paramref name="merged"/> (its <c>rev</c> the winner's) becomes a child
    /// of the winner and every other live leaf is closed, in one write (pending).</summary>
    /// <exception cref="DocumentNotFoundException">No such record, or it is deleted.</exception>
    /// <exception cref="RevisionConflictException">The rev is not the winner's.</exception>
    public async ValueTask<JsonObject> ResolveAsync(string id, JsonObject merged, CancellationToken cancellationToken = default)
    {
        DocumentId.Validate(id);
        var parsed = DocumentCodec.Parse(merged, _maxDocumentSize);
        using (await _replica.LockAsync(id, cancellationToken).ConfigureAwait(false))
        {
            var current = await ReadRecordAsync(id, cancellationToken).ConfigureAwait(false);
            if (current is null || current.Winner.Deleted) throw new DocumentNotFoundException(Name, id);
            if (!Revision.TryParse(parsed.Rev, out var given) || given != current.Winner.Rev)
                throw new RevisionConflictException(Name, id, parsed.Rev, current.Winner.Rev.ToString());
            var record = ConflictResolver.Close(current, parsed.Body, _replica.Clock.Next(), _replica.HistoryDepth);
            await PersistAsync(record, RecordFlags.Pending, cancellationToken).ConfigureAwait(false);
            return DocumentCodec.Compose(id, record.Winner.Rev, record.Winner.Body.Span);
        }
    }
}
