using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Documents;

/// <summary>A user's JSON object split into the reserved keys and the stored content.</summary>
/// <param name="Id">The given id, or null when missing (one is generated).</param>
/// <param name="Rev">The given <c>rev</c> text, "" when present but not a string, null when missing.</param>
/// <param name="Body">UTF-8 JSON of the object without <c>id</c> and <c>rev</c>: what is stored and hashed.</param>
internal readonly record struct ParsedDocument(string? Id, string? Rev, byte[] Body);

/// <summary>Converts between user JSON objects and stored bodies.</summary>
internal static class DocumentCodec
{
    /// <summary>Deepest nesting accepted and stored.</summary>
    public const int MaxDepth = 256;

    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Stored bodies are never embedded in HTML; keep non-ASCII text as UTF-8 rather than \u escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        MaxDepth = MaxDepth,
    };

    private static readonly byte[] IdPrefix = "{\"id\":"u8.ToArray();
    private static readonly byte[] RevPrefix = ",\"rev\":\""u8.ToArray();

    /// <summary>The node's string; false for non-strings and for escapes that are not valid UTF-16 (a lone surrogate).</summary>
    private static bool TryGetString(JsonNode node, [NotNullWhen(true)] out string? text)
    {
        text = null;
        try
        {
            return node is JsonValue v && v.TryGetValue(out text);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <exception cref="ArgumentException">Invalid id, too deep, or larger than <paramref name="maxSize"/>.</exception>
    public static ParsedDocument Parse(JsonObject document, int maxSize)
    {
        ArgumentNullException.ThrowIfNull(document);
        string? id = null;
        if (document.TryGetPropertyValue("id", out var idNode) && idNode is not null)
        {
            if (!TryGetString(idNode, out id))
                throw new ArgumentException($"The record's 'id' must be a valid string, not {idNode.GetValueKind()}.", nameof(document));
            DocumentId.Validate(id, nameof(document));
        }
        string? rev = null;
        if (document.TryGetPropertyValue("rev", out var revNode))
            rev = revNode is not null && TryGetString(revNode, out string? text) ? text : "";

        var buffer = new ArrayBufferWriter<byte>(256);
        try
        {
            using var writer = new Utf8JsonWriter(buffer, WriterOptions);
            writer.WriteStartObject();
            foreach (var (key, value) in document)
            {
                if (key is "id" or "rev") continue;
                writer.WritePropertyName(key);
                if (value is null) writer.WriteNullValue();
                else value.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException($"The record cannot be stored as JSON (nesting deeper than {MaxDepth}?): {e.Message}", nameof(document), e);
        }
        if (buffer.WrittenCount > maxSize)
            throw new ArgumentException($"The record is {buffer.WrittenCount} bytes of JSON; the maximum document size is {maxSize} bytes.", nameof(document));
        return new ParsedDocument(id, rev, buffer.WrittenSpan.ToArray());
    }

    /// <summary>The user's view: <c>{"id":…,"rev":…, …content}</c> as UTF-8 JSON.</summary>
    public static byte[] ComposeUtf8(string id, Revision rev, ReadOnlySpan<byte> body)
    {
        var encodedId = JsonEncodedText.Encode(id, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes;
        string revText = rev.ToString();
        bool hasContent = body.Length > 2;
        int size = IdPrefix.Length + encodedId.Length + 2 + RevPrefix.Length + revText.Length + 1 + (hasContent ? body.Length : 1);
        var result = new byte[size];
        var span = result.AsSpan();
        int pos = 0;
        Put(span, ref pos, IdPrefix);
        span[pos++] = (byte)'"';
        Put(span, ref pos, encodedId);
        span[pos++] = (byte)'"';
        Put(span, ref pos, RevPrefix);
        pos += Encoding.ASCII.GetBytes(revText, span[pos..]);
        span[pos++] = (byte)'"';
        if (hasContent)
        {
            span[pos++] = (byte)',';
            Put(span, ref pos, body[1..]);
        }
        else
        {
            span[pos++] = (byte)'}';
        }
        return result;
    }

    /// <summary>The user's view as a fresh <see cref="JsonObject"/>.</summary>
    public static JsonObject Compose(string id, Revision rev, ReadOnlySpan<byte> body) =>
        JsonNode.Parse(ComposeUtf8(id, rev, body), documentOptions: DocumentOptions)!.AsObject();

    private static void Put(Span<byte> span, ref int pos, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span[pos..]);
        pos += bytes.Length;
    }
}
