namespace MyNoSql.Storage.Attachments;

/// <summary>What one <see cref="AttachmentStore.CollectAsync"/> pass found and removed.</summary>
/// <param name="LiveManifests">Manifests kept (referenced, or younger than the grace period).</param>
/// <param name="LiveChunks">Chunk files kept.</param>
/// <param name="ManifestsDeleted">Manifests removed.</param>
/// <param name="ChunksDeleted">Chunk files removed.</param>
/// <param name="BytesFreed">Bytes of the removed files.</param>
internal sealed record AttachmentCollection(int LiveManifests, int LiveChunks, int ManifestsDeleted, int ChunksDeleted, long BytesFreed);
