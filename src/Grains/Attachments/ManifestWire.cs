using MyNoSql.Storage.Attachments;

namespace MyNoSql.Grains.Attachments;

/// <summary>Converts manifests between the chunk store's type and the wire type silos exchange.</summary>
internal static class ManifestWire
{
    /// <summary>Chunk ids: 64 lowercase hex digits.</summary>
    public static bool IsChunkId(string? id)
    {
        if (id is null || id.Length != 64) return false;
        foreach (char c in id)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f')) return false;
        }
        return true;
    }

    public static AttachmentManifestInfo ToWire(AttachmentManifest manifest) =>
        new(manifest.Digest, manifest.Length, manifest.ChunkSize, [.. manifest.Chunks]);

    /// <summary>The manifest, or null with the problem when the wire form is malformed (digest, ids, sizes).</summary>
    public static AttachmentManifest? FromWire(AttachmentManifestInfo? wire, int maxChunkSize, out string? problem)
    {
        problem = Problem(wire, maxChunkSize);
        return problem is null ? new AttachmentManifest(wire!.Digest, wire.Length, wire.ChunkSize, wire.Chunks) : null;
    }

    private static string? Problem(AttachmentManifestInfo? wire, int maxChunkSize)
    {
        if (wire is null) return "the manifest is missing";
        if (!AttachmentStubs.IsValidDigest(wire.Digest)) return $"digest '{wire.Digest}' is not sha256-<base64 of 32 bytes>";
        if (wire.Length < 0) return $"length must not be negative (got {wire.Length})";
        if (wire.ChunkSize < 1 || wire.ChunkSize > maxChunkSize) return $"chunk_size must be 1–{maxChunkSize} (got {wire.ChunkSize})";
        if (wire.Chunks is null) return "chunks is missing";
        long expected = wire.Length == 0 ? 0 : (wire.Length + wire.ChunkSize - 1) / wire.ChunkSize;
        if (wire.Chunks.Length != expected) return $"{wire.Chunks.Length} chunks for {wire.Length} bytes in chunks of {wire.ChunkSize} (expected {expected})";
        foreach (var id in wire.Chunks)
        {
            if (!IsChunkId(id)) return $"chunk id '{id}' is not 64 lowercase hex digits";
        }
        return null;
    }
}
