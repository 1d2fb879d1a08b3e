namespace MyNoSql.Grains;

/// <summary>The chunk list of one attachment body, as silos copy it between their chunk stores.</summary>
/// <param name="Digest"><c>sha256-&lt;base64&gt;</c> of the whole body.</param>
/// <param name="Length">The body's length in bytes.</param>
/// <param name="ChunkSize">Bytes per chunk (the last one may be shorter).</param>
/// <param name="Chunks">Chunk ids (lowercase hex SHA-256 of each chunk's bytes), in body order.</param>
[GenerateSerializer, Immutable, Alias("mynosql.AttachmentManifestInfo")]
public sealed record AttachmentManifestInfo(
    [property: Id(0)] string Digest,
    [property: Id(1)] long Length,
    [property: Id(2)] int ChunkSize,
    [property: Id(3)] string[] Chunks);
