using Microsoft.Extensions.Logging;

namespace MyNoSql.Sync;

/// <summary>The peer's sync log messages (category <c>MyNoSql.Sync</c>; EventIds 41xx). Keys never appear in them.</summary>
internal static partial class SyncLog
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Database '{Database}': sync round with {Mirror} done ({Pending} writes pending, {Pulled} index changes pulled, {Fetched} records fetched)")]
    public static partial void RoundDone(ILogger logger, string database, string mirror, long pending, long pulled, long fetched);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "{Message}")]
    public static partial void RoundFailed(ILogger logger, string message);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Error, Message = "{Message}")]
    public static partial void CredentialRejected(ILogger logger, string message);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "Database '{Database}': {Count} pushed records conflicted with edits made elsewhere at {Mirror} (first: '{FirstId}'); both branches are kept and the winner rule applies")]
    public static partial void PushConflicts(ILogger logger, string database, string mirror, int count, string firstId);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "Database '{Database}': {Mirror} is read-only; pushing to a writable mirror")]
    public static partial void ReadOnlyMirror(ILogger logger, string database, string mirror);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "Database '{Database}': the sync status could not be remembered on disk: {Reason}")]
    public static partial void StatusNotSaved(ILogger logger, string database, string reason);
}
