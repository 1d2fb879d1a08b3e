using MyNoSql.Grains.Attachments;
using MyNoSql.Storage.Attachments;
using MyNoSql.Storage.Documents;
using Orleans.Serialization.Buffers;

namespace MyNoSql.Grains.Mirror;

/// <summary>
/// This silo's attachment chunk stores, for the other silos' uploads, copies and repairs (DESIGN §9). File work runs
/// off the service's scheduler. A silo without attachments configured holds nothing and accepts nothing.
/// </summary>
internal sealed partial class MirrorService
{
    public Task<string[]> MissingAttachmentChunks(string database, string[] chunkIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        if (_attachments is null || !DatabaseName.IsValid(database) || !chunkIds.All(ManifestWire.IsChunkId)) return Task.FromResult(chunkIds);
        var store = _attachments.Store(database);
        return Task.Run(() => store.MissingChunks(chunkIds).ToArray(), cancellationToken);
    }

    public async Task<bool> PutAttachmentChunk(string database, string chunkId, PooledBuffer raw, CancellationToken cancellationToken = default)
    {
        // Always disposed (also when refused): its blocks go back to Orleans' pool.
        if (_attachments is null || !DatabaseName.IsValid(database) || !ManifestWire.IsChunkId(chunkId))
        {
            raw.Dispose();
            return false;
        }
        byte[]? buffer = ChunkBuffers.Take(ref raw, out int length);
        if (buffer is null)
        {
            LogRejected(database, chunkId, $"{length} bytes is more than a chunk");
            return false;
        }
        var store = _attachments.Store(database);
        try
        {
            // Staged, not synced alone: made durable with its group or before the sender's manifest call answers.
            await Task.Run(() => store.StageChunkAsync(chunkId, buffer.AsMemory(0, length), cancellationToken), cancellationToken);
            return true;
        }
        catch (ArgumentException e)
        {
            LogRejected(database, chunkId, e.Message);
            return false;
        }
        finally
        {
            ChunkBuffers.Return(buffer);
        }
    }

    public async Task<string[]> PutAttachmentManifest(string database, AttachmentManifestInfo manifest, CancellationToken cancellationToken = default)
    {
        if (_attachments is null || !DatabaseName.IsValid(database)) return manifest?.Chunks ?? [];
        var parsed = ManifestWire.FromWire(manifest, _attachments.ChunkSize, out var problem);
        if (parsed is null) throw new ArgumentException($"Malformed attachment manifest for database '{database}': {problem}.", nameof(manifest));
        var store = _attachments.Store(database);
        return await Task.Run(async () =>
        {
            await store.CommitStagedAsync(parsed.Chunks);
            var missing = store.MissingChunks(parsed.Chunks);
            if (missing.Count > 0) return missing.ToArray();
            await store.StoreManifestAsync(parsed, cancellationToken);
            return [];
        }, cancellationToken);
    }

    public async Task<AttachmentManifestInfo?> GetAttachmentManifest(string database, string digest, CancellationToken cancellationToken = default)
    {
        if (_attachments is null || !DatabaseName.IsValid(database) || !AttachmentStubs.IsValidDigest(digest)) return null;
        var store = _attachments.Store(database);
        return await Task.Run(() => store.HasBody(digest) && store.TryGetManifest(digest) is { } m ? ManifestWire.ToWire(m) : null, cancellationToken);
    }

    public async Task<PooledBuffer> GetAttachmentChunk(string database, string chunkId, CancellationToken cancellationToken = default)
    {
        if (_attachments is null || !DatabaseName.IsValid(database) || !ManifestWire.IsChunkId(chunkId)) return default;
        var store = _attachments.Store(database);
        return await Task.Run(() =>
        {
            if (!store.HasChunk(chunkId)) return default;
            byte[] buffer = ChunkBuffers.Rent();
            try
            {
                // Serializing the reply gives the message's blocks back to the pool.
                return ChunkBuffers.Message(buffer.AsSpan(0, store.ReadChunk(chunkId, buffer)));
            }
            catch (FileNotFoundException)
            {
                return default; // collected meanwhile
            }
            finally
            {
                ChunkBuffers.Return(buffer);
            }
        }, cancellationToken);
    }
}
