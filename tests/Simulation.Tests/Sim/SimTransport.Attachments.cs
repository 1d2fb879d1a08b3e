using System.Text.Json.Nodes;
using MyNoSql.Storage.Attachments;
using MyNoSql.Sync;

namespace MyNoSql.Simulation.Tests.Sim;

// The sync/att calls (src/Storage/Sync/README.md "Attachment bodies") through the world's network to a simulated
// mirror's chunk store (SimWorld.Attachments.cs).
internal sealed partial class SimTransport
{
    public Task<IReadOnlyList<string>> MissingAttachmentChunksAsync(string mirror, string db, IReadOnlyList<string> chunkIds, CancellationToken ct)
    {
        var (world, peer, m) = Parse(mirror);
        return world.PeerCallAsync(peer, m, $"att-missing[{chunkIds.Count}]", duplicable: false, target => Task.FromResult(world.Bodies(target).MissingChunks(chunkIds)));
    }

    public Task PutAttachmentChunkAsync(string mirror, string db, string chunkId, ReadOnlyMemory<byte> raw, CancellationToken ct)
    {
        var (world, peer, m) = Parse(mirror);
        byte[] copy = raw.ToArray(); // a delayed duplicate may be delivered after the caller reused its buffer
        return world.PeerCallAsync(peer, m, $"att-chunk {chunkId[..8]}", duplicable: true, async target =>
        {
            await world.Bodies(target).PutChunkAsync(chunkId, copy, CancellationToken.None);
            return true;
        });
    }

    public async Task<IReadOnlyList<string>> PutAttachmentManifestAsync(string mirror, string db, JsonObject manifest, string? recordId, CancellationToken ct)
    {
        var (world, peer, m) = Parse(mirror);
        var parsed = ManifestJson.Parse(System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString()));
        var (missing, quorum) = await world.PeerCallAsync(peer, m, $"att-manifest {parsed.Digest[7..15]}", duplicable: true, target => world.StoreBodyAsync(target, parsed));
        if (!quorum) throw new MirrorUnavailableException($"{mirror}: HTTP 503 quorum_unavailable (body {parsed.Digest})");
        return missing;
    }

    public async Task<JsonObject?> GetAttachmentManifestAsync(string mirror, string db, string digest, CancellationToken ct)
    {
        var (world, peer, m) = Parse(mirror);
        var manifest = await world.PeerCallAsync(peer, m, $"att-get-manifest {digest[7..15]}", duplicable: false, target => world.FindBodyAsync(target, digest));
        return manifest is null ? null : (JsonObject)JsonNode.Parse(ManifestJson.Write(manifest))!;
    }

    public async Task<int> GetAttachmentChunkAsync(string mirror, string db, string chunkId, Memory<byte> destination, CancellationToken ct)
    {
        var (world, peer, m) = Parse(mirror);
        var raw = await world.PeerCallAsync(peer, m, $"att-get-chunk {chunkId[..8]}", duplicable: false, async target =>
            world.Bodies(target).HasChunk(chunkId) ? await world.Bodies(target).ReadChunkAsync(chunkId, CancellationToken.None) : null);
        if (raw is null) return -1;
        if (raw.Length > destination.Length) throw new MirrorUnavailableException($"{mirror}: chunk {chunkId} is longer than {destination.Length} bytes");
        raw.CopyTo(destination);
        return raw.Length;
    }
}
