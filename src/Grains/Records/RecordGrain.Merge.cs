using Microsoft.Extensions.Logging;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Merging;

namespace MyNoSql.Grains.Records;

/// <summary>
/// Conflict resolution of one record (DESIGN §8): the application's manual merge, and the database's merge policy,
/// applied when replication or read repair leaves this record with a live conflict. A policy's resolution is
/// deterministic (its revisions depend only on the leaves and the merged content), so every replica that resolves the
/// same conflict writes the same revisions; the grain replicates the resolution and every closing tombstone.
/// </summary>
internal sealed partial class RecordGrain
{
    // The fields the database policy's Latest strategy tracks, read before each edit: the new revision carries when each
    // was last written (FieldStamps), so a merge compares the writes of each field, not of whole revisions.
    private string[]? _tracked;

    /// <summary>Reads which fields the next edit tracks (the policy cache of this silo; a grain call at most every few
    /// seconds). A policy that cannot be read now tracks none: a merge then dates those fields by the revision's stamp.</summary>
    private async ValueTask TrackPolicyAsync()
    {
        try
        {
            _tracked = FieldStamps.TrackedBy(await _policies.ForConflictAsync(_database));
        }
        catch (Exception e)
        {
            LogTrackingUnavailable(e, _database, _id);
            _tracked = null;
        }
    }

    public async ValueTask<SaveReply> Resolve(string? rev, byte[] body, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(body);
        if (InvalidBody(body) is { } problem) return Invalid(problem);
        return await EditAsync(current => DocumentRules.Resolve(_database, current, _id, rev, body, edit: NewEdit(EditKind.Resolve)), nothing: null);
    }

    /// <summary>
    /// Resolves this record's live conflict by the database's merge policy, if it has a non-empty one, and persists the
    /// result; returns the new leaves (the resolution and the closing tombstones) to publish, or none. A policy that
    /// cannot be read now leaves the conflict as it is (as without a policy); the next conflict write tries again.
    /// </summary>
    private async Task<RevisionLeaf[]> ResolveByPolicyAsync()
    {
        MergePolicy? policy;
        try
        {
            policy = await _policies.ForConflictAsync(_database);
        }
        catch (Exception e)
        {
            LogPolicyUnavailable(e, _database, _id);
            return [];
        }
        if (policy is null or { IsEmpty: true }) return [];
        var (added, written) = await WriteAsync(current =>
        {
            if (current is not { HasConflicts: true } || TryResolve(current, policy) is not { } resolved)
                return (null, Array.Empty<RevisionLeaf>());
            return (resolved, NewLeaves(current, resolved));
        });
        if (!written) return [];
        LogResolved(_database, _id, _record!.Winner.Rev.ToString(), added.Length - 1);
        return added;
    }

    // A resolver failure must not fail the write that made the conflict (or the activation): the conflict then stays, as
    // without a policy, and is logged.
    private DocumentRecord? TryResolve(DocumentRecord record, MergePolicy policy)
    {
        try
        {
            return ConflictResolver.TryResolve(record, policy, _historyDepth);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogResolveFailed(e, _database, _id, policy.ToString());
            return null;
        }
    }

    [LoggerMessage(EventId = 2067, Level = LogLevel.Error, Message = "{Database}/{Id}: resolving the conflict by the merge policy {Policy} failed; the conflict stays")]
    private partial void LogResolveFailed(Exception error, string database, string id, string policy);

    [LoggerMessage(EventId = 2065, Level = LogLevel.Information, Message = "{Database}/{Id}: conflict resolved by the merge policy as {Rev} ({Closed} losing leaves closed)")]
    private partial void LogResolved(string database, string id, string rev, int closed);

    [LoggerMessage(EventId = 2073, Level = LogLevel.Warning, Message = "{Database}/{Id}: the merge policy could not be read; this edit carries no field stamps")]
    private partial void LogTrackingUnavailable(Exception error, string database, string id);

    [LoggerMessage(EventId = 2066, Level = LogLevel.Warning, Message = "{Database}/{Id}: the merge policy could not be read; the conflict stays until the next write")]
    private partial void LogPolicyUnavailable(Exception error, string database, string id);
}
