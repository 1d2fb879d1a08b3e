namespace MyNoSql.Storage.Attachments;

/// <summary>
/// How a body is cut into chunks: JSON <c>{"digest","length","chunk_size","chunks":[ids]}</c>, stored at
/// <c>manifests/&lt;hex of the body's SHA-256&gt;</c> once every chunk it names is durable.
/// </summary>
/// <param name="Digest"><c>sha256-&lt;base64&gt;</c> of the whole body (as in the stub).</param>
/// <param name="Length">The body's length in bytes.</param>
/// <param name="ChunkSize">Length of every chunk but the last (which may be shorter).</param>
/// <param name="Chunks">Chunk ids in body order: lowercase hex SHA-256 of each chunk's raw bytes.</param>
internal sealed record AttachmentManifest(string Digest, long Length, int ChunkSize, IReadOnlyList<string> Chunks);
