namespace MyNoSql.Storage.Attachments;

/// <summary>
/// One entry of a record's <c>_attachments</c> object: <c>{"content_type","length","digest"}</c>. The body itself lives
/// in the database's <see cref="AttachmentStore"/>, found by <see cref="Digest"/>.
/// </summary>
/// <param name="ContentType">The MIME type given when the body was put (default <c>application/octet-stream</c>).</param>
/// <param name="Length">The body's length in bytes.</param>
/// <param name="Digest"><c>sha256-&lt;base64 of the SHA-256 of the whole body&gt;</c>.</param>
internal sealed record AttachmentStub(string ContentType, long Length, string Digest);
