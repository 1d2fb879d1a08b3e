using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Attachments;

/// <summary>
/// The <c>_attachments</c> object of a stored record body (<c>{"name":{"content_type","length","digest"}}</c>): reading,
/// writing one entry, name and digest rules. Bodies are the stored UTF-8 JSON without <c>id</c>/<c>rev</c>.
/// </summary>
internal static class AttachmentStubs
{
    /// <summary>The reserved top-level key.</summary>
    public const string Key = "_attachments";

    /// <summary>Largest attachment name in UTF-8 bytes.</summary>
    public const int MaxNameUtf8Bytes = 255;

    /// <summary>Prefix of every digest.</summary>
    public const string DigestPrefix = "sha256-";

    /// <summary>Content type used when none is given.</summary>
    public const string DefaultContentType = "application/octet-stream";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly IReadOnlyDictionary<string, AttachmentStub> Empty = new Dictionary<string, AttachmentStub>(StringComparer.Ordinal);
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = DocumentCodec.MaxDepth };

    /// <summary>True when <paramref name="name"/> is 1–255 UTF-8 bytes of valid Unicode without control characters and does not start with '_'.</summary>
    public static bool IsValidName(string? name) => NameProblem(name) is null;

    /// <summary>Throws <see cref="ArgumentException"/> naming the problem unless <paramref name="name"/> is a valid attachment name.</summary>
    public static void ValidateName(string? name, string paramName = "name")
    {
        if (NameProblem(name) is { } problem) throw new ArgumentException(problem, paramName);
    }

    private static string? NameProblem(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "An attachment name must be a non-empty string.";
        string shown = DocumentId.Printable(name);
        if (name[0] == '_') return $"Attachment name '{shown}' must not start with '_' (reserved).";
        foreach (char c in name)
        {
            if (char.IsControl(c)) return $"Attachment name '{shown}' contains a control character (U+{(int)c:X4}).";
        }
        int bytes;
        try { bytes = StrictUtf8.GetByteCount(name); }
        catch (EncoderFallbackException) { return $"Attachment name '{shown}' is not valid Unicode (unpaired surrogate)."; }
        return bytes > MaxNameUtf8Bytes ? $"Attachment name is {bytes} UTF-8 bytes; the limit is {MaxNameUtf8Bytes}." : null;
    }

    /// <summary>The digest text of a SHA-256: <c>sha256-&lt;base64&gt;</c>.</summary>
    public static string FormatDigest(ReadOnlySpan<byte> sha256) => DigestPrefix + Convert.ToBase64String(sha256);

    /// <summary>Parses <c>sha256-&lt;base64 of 32 bytes&gt;</c> into the lowercase hex name of its manifest file.</summary>
    public static bool TryDigestToHex(string? digest, out string hex)
    {
        hex = "";
        if (digest is null || !digest.StartsWith(DigestPrefix, StringComparison.Ordinal) || digest.Length != DigestPrefix.Length + 44) return false;
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        if (!Convert.TryFromBase64String(digest[DigestPrefix.Length..], hash, out int written) || written != SHA256.HashSizeInBytes) return false;
        hex = Convert.ToHexStringLower(hash);
        return true;
    }

    /// <summary>True for a valid digest text.</summary>
    public static bool IsValidDigest(string? digest) => TryDigestToHex(digest, out _);

    /// <summary>
    /// The stubs of a stored body (empty when it has no <c>_attachments</c>).
    /// </summary>
    /// <exception cref="DocumentFormatException"><c>_attachments</c> is not an object of valid stubs.</exception>
    public static IReadOnlyDictionary<string, AttachmentStub> Read(ReadOnlyMemory<byte> body)
    {
        if (body.Length <= 2 || body.Span.IndexOf("\"_attachments\""u8) < 0) return Empty;
        using var doc = JsonDocument.Parse(body, DocumentCodec.DocumentOptions);
        if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty(Key, out var stubs)) return Empty;
        return Read(stubs);
    }

    /// <summary>True when the body has a top-level <c>_attachments</c> key (whatever its value).</summary>
    public static bool HasKey(ReadOnlyMemory<byte> body)
    {
        if (body.Length <= 2 || body.Span.IndexOf("\"_attachments\""u8) < 0) return false;
        using var doc = JsonDocument.Parse(body, DocumentCodec.DocumentOptions);
        return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(Key, out _);
    }

    /// <summary>True when both sets hold the same names with equal stubs.</summary>
    public static bool Same(IReadOnlyDictionary<string, AttachmentStub> x, IReadOnlyDictionary<string, AttachmentStub> y)
    {
        if (x.Count != y.Count) return false;
        foreach (var (name, stub) in x)
        {
            if (!y.TryGetValue(name, out var other) || other != stub) return false;
        }
        return true;
    }

    /// <summary>The stubs of an <c>_attachments</c> value.</summary>
    /// <exception cref="DocumentFormatException">Not an object of valid stubs.</exception>
    public static IReadOnlyDictionary<string, AttachmentStub> Read(JsonElement stubs)
    {
        if (stubs.ValueKind != JsonValueKind.Object)
            throw Bad($"'{Key}' must be an object of attachment stubs, not {stubs.ValueKind.ToString().ToLowerInvariant()}.");
        var result = new Dictionary<string, AttachmentStub>(StringComparer.Ordinal);
        foreach (var p in stubs.EnumerateObject())
        {
            if (NameProblem(p.Name) is { } problem) throw Bad(problem);
            var v = p.Value;
            if (v.ValueKind != JsonValueKind.Object
                || !v.TryGetProperty("content_type", out var ct) || ct.ValueKind != JsonValueKind.String
                || !v.TryGetProperty("length", out var len) || !len.TryGetInt64(out long length) || length < 0
                || !v.TryGetProperty("digest", out var dg) || dg.ValueKind != JsonValueKind.String || !IsValidDigest(dg.GetString()))
                throw Bad($"Attachment stub '{DocumentId.Printable(p.Name)}' must be {{\"content_type\":string,\"length\":n≥0,\"digest\":\"sha256-<base64>\"}}.");
            result[p.Name] = new AttachmentStub(ct.GetString()!, length, dg.GetString()!);
        }
        return result;
    }

    /// <summary>The digests a stored body refers to (none when it has no stubs or they are malformed).</summary>
    public static IEnumerable<string> Digests(ReadOnlyMemory<byte> body)
    {
        IReadOnlyDictionary<string, AttachmentStub> stubs;
        try { stubs = Read(body); }
        catch (Exception e) when (e is JsonException or ArgumentException) { yield break; }
        foreach (var stub in stubs.Values) yield return stub.Digest;
    }

    /// <summary>True when both bodies carry the same stubs (both none included).</summary>
    public static bool SameStubs(ReadOnlyMemory<byte> a, ReadOnlyMemory<byte> b) => Same(Read(a), Read(b));

    /// <summary>
    /// <paramref name="body"/> with the stub <paramref name="name"/> set (or removed when <paramref name="stub"/> is null).
    /// The other stubs keep their JSON as stored, extra fields included (a CouchDB client's <c>couch_digest</c> and
    /// <c>revpos</c>: dropping them would make its replicator fetch every unchanged attachment again).
    /// </summary>
    public static byte[] With(ReadOnlyMemory<byte> body, string name, AttachmentStub? stub)
    {
        Read(body); // validates the stubs kept
        return Rewrite(body, body, name, stub);
    }

    /// <summary>
    /// <paramref name="body"/> with <paramref name="source"/>'s <c>_attachments</c> in place of its own, as stored (extra
    /// fields kept, see <see cref="With"/>), written last; removed when <paramref name="source"/> has none.
    /// </summary>
    public static byte[] WithStubsOf(ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> source) => Rewrite(body, source, null, null);

    // body without its _attachments, then source's stubs by name (ordinal) as stored, with `name` replaced by `stub` (or
    // left out when stub is null).
    private static byte[] Rewrite(ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> source, string? name, AttachmentStub? stub)
    {
        using var sourceDoc = source.Length > 2 ? JsonDocument.Parse(source, DocumentCodec.DocumentOptions) : null;
        var kept = new SortedDictionary<string, JsonElement?>(StringComparer.Ordinal);
        if (sourceDoc is not null && sourceDoc.RootElement.TryGetProperty(Key, out var stubs) && stubs.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in stubs.EnumerateObject()) kept[p.Name] = p.Value;
        }
        if (name is not null)
        {
            kept.Remove(name);
            if (stub is not null) kept[name] = null; // written from `stub`
        }
        var buffer = new ArrayBufferWriter<byte>(body.Length + source.Length / 4 + 128);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            if (body.Length > 2)
            {
                using var doc = JsonDocument.Parse(body, DocumentCodec.DocumentOptions);
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    if (!p.NameEquals(Key)) p.WriteTo(writer);
                }
            }
            if (kept.Count > 0)
            {
                writer.WriteStartObject(Key);
                foreach (var (stubName, element) in kept)
                {
                    writer.WritePropertyName(stubName);
                    if (element is { } stored)
                    {
                        stored.WriteTo(writer);
                        continue;
                    }
                    writer.WriteStartObject();
                    writer.WriteString("content_type", stub!.ContentType);
                    writer.WriteNumber("length", stub.Length);
                    writer.WriteString("digest", stub.Digest);
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static DocumentFormatException Bad(string message) => new(DocumentPart.Content, message, "document");
}
