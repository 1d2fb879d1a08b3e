using Microsoft.Extensions.Logging;

namespace MyNoSql.Grains.Records;

// Fenced saves and attachment writes (DESIGN §9; src/Grains/Locks/README.md): the lock check and the write happen in one
// turn of this record.
internal sealed partial class RecordGrain
{
    // The greatest token of each lock this activation accepted a fenced write for: a lower one is refused without asking.
    private Dictionary<string, long>? _fences;

    public async ValueTask<SaveReply> SaveFenced(string? rev, byte[] body, string lockName, long token, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(body);
        return await FenceAsync(lockName, token, cancellationToken) ?? await Save(rev, body, cancellationToken);
    }

    public async ValueTask<SaveReply> SetAttachmentFenced(string? rev, string name, AttachmentStubInfo? stub, string lockName, long token, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return await FenceAsync(lockName, token, cancellationToken) ?? await SetAttachment(rev, name, stub, cancellationToken);
    }

    /// <summary>The refusal of a write fenced by <paramref name="token"/> of lock <paramref name="lockName"/>, or null when
    /// the token still holds the lock (then remembered, so a lower one is refused without asking).</summary>
    private async ValueTask<SaveReply?> FenceAsync(string lockName, long token, CancellationToken cancellationToken)
    {
        if (LockName.Problem(lockName) is { } problem) return new SaveReply(RecordStatus.Invalid, null, null, $"Invalid lock name: {problem}.");
        if (token <= 0) return new SaveReply(RecordStatus.Invalid, null, null, $"A fencing token is a positive integer (got {token}).");
        if (_fences is not null && _fences.TryGetValue(lockName, out long highest) && token < highest)
            return Fenced(lockName, token, highest);
        // The record grain is not reentrant: no other write of this record runs between this check and the caller's write,
        // so a write fenced by a newer token (which can only be issued once this one no longer holds the lock) is ordered after.
        var check = await GrainFactory.GetGrain<ILockGrain>(LockName.Key(_database, lockName)).Check(token, cancellationToken);
        switch (check.Status)
        {
            case LockStatus.Granted:
                break;
            case LockStatus.Unavailable:
                return new SaveReply(RecordStatus.QuorumUnavailable, null, null, $"Lock '{lockName}' cannot be checked now: too few mirrors answer.");
            default:
                return Fenced(lockName, token, check.Token);
        }
        (_fences ??= new(StringComparer.Ordinal))[lockName] = token;
        return null;
    }

    private SaveReply Fenced(string lockName, long token, long current)
    {
        LogFenced(_database, _id, lockName, token, current);
        return new SaveReply(RecordStatus.Fenced, null, null,
            $"Lock '{lockName}' of database '{_database}' is no longer held by token {token}; record '{_id}' was not written.");
    }

    [LoggerMessage(EventId = 2064, Level = LogLevel.Information, Message = "Refused a write of {Database}/{Id} fenced by lock '{Lock}' token {Token} (current {Current})")]
    private partial void LogFenced(string database, string id, string @lock, long token, long current);
}
