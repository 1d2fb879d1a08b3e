using Microsoft.Extensions.Logging;

namespace MyNoSql;

/// <summary>The peer's attachment log messages (category <c>MyNoSql.Attachments</c>; EventIds 42xx). Keys never appear in them.</summary>
internal static partial class AttachmentLog
{
    [LoggerMessage(EventId = 4201, Level = LogLevel.Debug, Message = "Database '{Database}': attachment collection kept {LiveManifests} bodies ({LiveChunks} chunks), removed {Manifests} bodies and {Chunks} chunks ({Bytes} bytes)")]
    public static partial void Collected(ILogger logger, string database, int liveManifests, int liveChunks, int manifests, int chunks, long bytes);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "Database '{Database}': background attachment collection failed: {Message}")]
    public static partial void CollectionFailed(ILogger logger, string database, string message, Exception exception);
}
