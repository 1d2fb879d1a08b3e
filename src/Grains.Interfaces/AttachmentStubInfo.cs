namespace MyNoSql.Grains;

/// <summary>One <c>_attachments</c> entry of a record, as the attachment routes hand it to the record grain.</summary>
/// <param name="ContentType">The body's media type (<c>content_type</c>).</param>
/// <param name="Length">The body's length in bytes.</param>
/// <param name="Digest"><c>sha256-&lt;base64 of the body's SHA-256&gt;</c>.</param>
[GenerateSerializer, Immutable, Alias("mynosql.AttachmentStubInfo")]
public sealed record AttachmentStubInfo([property: Id(0)] string ContentType, [property: Id(1)] long Length, [property: Id(2)] string Digest);
