using MyNoSql.Grains.Attachments;
using MyNoSql.Storage.Attachments;
using MyNoSql.Storage.Documents;

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

    public async Task<bool> PutAttachmentChunk(string database, string chunkId, byte[] raw, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(raw);
        if (_attachments is null || !DatabaseName.IsValid(database) || !ManifestWire.IsChunkId(chunkId)) return false;
        var store = _attachments.Store(database);
        try
        {
            await Task.Run(async () => await store.PutChunkAsync(chunkId, raw, cancellationToken), cancellationToken);
            return true;
        }
        catch (ArgumentException e)
        {
            LogRejected(database, chunkId, e.Message);
            return false;
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

    public async Task<byte[]?> GetAttachmentChunk(string database, string chunkId, CancellationToken cancellationToken = default)
    {
        if (_attachments is null || !DatabaseName.IsValid(database) || !ManifestWire.IsChunkId(chunkId)) return null;
        var store = _attachments.Store(database);
        return await Task.Run(async () =>
        {
            if (!store.HasChunk(chunkId)) return null;
            try
            {
                return await store.ReadChunkAsync(chunkId, cancellationToken);
            }
            catch (FileNotFoundException)
            {
                return null; // collected meanwhile
            }
        }, cancellationToken);
    }
}
