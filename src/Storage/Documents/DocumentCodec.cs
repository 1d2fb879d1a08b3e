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

    private static readonly JsonDocumentOptions BodyOptions = new() { MaxDepth = MaxDepth, AllowDuplicateProperties = false };

    /// <summary>The node's string; false for non-strings and for escapes that are not valid UTF-16 (a lone surrogate).</summary>
    internal static bool TryGetString(JsonNode node, [NotNullWhen(true)] out string? text)
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

    /// <summary>
    /// Parses a user's record from UTF-8 JSON (a request body): valid UTF-8, JSON, an object, then as
    /// <see cref="Parse(JsonObject, int)"/>.
    /// </summary>
    /// <exception cref="DocumentFormatException">What is wrong, by <see cref="DocumentFormatException.Part"/>.</exception>
    public static ParsedDocument ParseUtf8(ReadOnlySpan<byte> utf8, int maxSize)
    {
        // System.Text.Json would store U+FFFD in place of bad bytes: refuse rather than alter the data.
        if (!System.Text.Unicode.Utf8.IsValid(utf8))
            throw new DocumentFormatException(DocumentPart.Encoding, "The body is not valid UTF-8.", "document");
        JsonObject document;
        try
        {
            var node = JsonNode.Parse(utf8, documentOptions: DocumentOptions);
            if (node is not JsonObject o)
                throw new DocumentFormatException(DocumentPart.Root,
                    $"The body must be a JSON object, not {(node is null ? "null" : node.GetValueKind().ToString().ToLowerInvariant())}.", "document");
            document = o;
            // Materialise every property now: duplicate keys and bad nesting surface here, not later.
            _ = document.Count;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException || (e is ArgumentException && e is not DocumentFormatException))
        {
            throw new DocumentFormatException(DocumentPart.Syntax, $"The body is not valid JSON: {e.Message}", "document", e);
        }
        return Parse(document, maxSize);
    }

    /// <exception cref="DocumentFormatException">Invalid id, too deep, or larger than <paramref name="maxSize"/> (an <see cref="ArgumentException"/>).</exception>
    public static ParsedDocument Parse(JsonObject document, int maxSize)
    {
        ArgumentNullException.ThrowIfNull(document);
        string? id = null;
        if (document.TryGetPropertyValue("id", out var idNode) && idNode is not null)
        {
            if (!TryGetString(idNode, out id))
            {
                var kind = idNode.GetValueKind();
                throw new DocumentFormatException(DocumentPart.Id, kind == JsonValueKind.String
                    ? "The record's 'id' is not valid Unicode (a lone surrogate escape)."
                    : $"The record's 'id' must be a string, not {kind.ToString().ToLowerInvariant()}.", nameof(document));
            }
            try
            {
                DocumentId.Validate(id, nameof(document));
            }
            catch (ArgumentException e)
            {
                // e.Message already ends with " (Parameter 'document')", which the new exception appends again.
                string suffix = $" (Parameter '{e.ParamName}')";
                string reason = e.Message.EndsWith(suffix, StringComparison.Ordinal) ? e.Message[..^suffix.Length] : e.Message;
                throw new DocumentFormatException(DocumentPart.Id, reason, nameof(document), e);
            }
        }
        string? rev = null;
        if (document.TryGetPropertyValue("rev", out var revNode))
            rev = revNode is not null && TryGetString(revNode, out string? text) ? text : "";

        // The thread's scratch writer (a save serializes synchronously): the body is written once and copied once, where a
        // fresh growing buffer allocated and copied it about three times over (1 KB → 2 KB → 4 KB for a 2.3 KB record).
        var scratch = t_scratch ?? new BodyScratch();
        t_scratch = null; // taken: a JSON converter that saves from inside WriteTo gets its own
        try
        {
            var writer = scratch.Writer;
            writer.WriteStartObject();
            foreach (var (key, value) in document)
            {
                if (key is "id" or "rev") continue;
                writer.WritePropertyName(key);
                if (value is null) writer.WriteNullValue();
                else value.WriteTo(writer);
            }
            writer.WriteEndObject();
            writer.Flush();
            var written = scratch.Buffer.WrittenSpan;
            if (written.Length > maxSize)
                throw new DocumentFormatException(DocumentPart.Content, $"The record is {written.Length} bytes of JSON; the maximum document size is {maxSize} bytes.", nameof(document));
            return new ParsedDocument(id, rev, written.ToArray());
        }
        catch (InvalidOperationException e)
        {
            throw new DocumentFormatException(DocumentPart.Content, $"The record cannot be stored as JSON (nesting deeper than {MaxDepth}?): {e.Message}", nameof(document), e);
        }
        finally
        {
            if (scratch.Reset()) t_scratch = scratch;
        }
    }

    [ThreadStatic]
    private static BodyScratch? t_scratch;

    /// <summary>A thread's reusable buffer and writer for <see cref="Parse(JsonObject, int)"/>; dropped after a body
    /// larger than <see cref="MaxKeptBytes"/> so a rare large record does not pin its buffer to the thread.</summary>
    private sealed class BodyScratch
    {
        private const int MaxKeptBytes = 64 << 10;

        public readonly ArrayBufferWriter<byte> Buffer = new(4096);
        public readonly Utf8JsonWriter Writer;

        public BodyScratch() => Writer = new Utf8JsonWriter(Buffer, WriterOptions);

        /// <summary>Clears the writer's state (also after a failed write); false when the buffer grew too large to keep.</summary>
        public bool Reset()
        {
            Writer.Reset();
            if (Buffer.Capacity > MaxKeptBytes) return false;
            Buffer.ResetWrittenCount();
            return true;
        }
    }

    /// <summary>
    /// Checks a stored body (the content without <c>id</c>/<c>rev</c>) from outside this process: valid UTF-8, a JSON
    /// object without duplicate keys, nesting within <see cref="MaxDepth"/>, no reserved top-level key, at most
    /// <paramref name="maxSize"/> bytes. The one body validator of record grains and replication.
    /// </summary>
    /// <exception cref="DocumentFormatException">What is wrong, by <see cref="DocumentFormatException.Part"/>.</exception>
    public static void ValidateBody(ReadOnlyMemory<byte> body, int maxSize)
    {
        if (body.Length > maxSize)
            throw new DocumentFormatException(DocumentPart.Content, $"The content is {body.Length} bytes; the maximum document size is {maxSize} bytes.", nameof(body));
        // System.Text.Json does not check the UTF-8 inside strings; such bytes would be served as "JSON" later.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
            throw new DocumentFormatException(DocumentPart.Encoding, "The content is not valid UTF-8.", nameof(body));
        try
        {
            using var doc = JsonDocument.Parse(body, BodyOptions);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new DocumentFormatException(DocumentPart.Root, $"The content must be a JSON object, not {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}.", nameof(body));
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                // Reads compose id and rev in front of the content: a second copy would make the served JSON ambiguous.
                if (property.NameEquals("id"u8) || property.NameEquals("rev"u8))
                    throw new DocumentFormatException(DocumentPart.Content, $"The content must not carry the reserved key '{property.Name}'.", nameof(body));
            }
        }
        catch (JsonException e)
        {
            throw new DocumentFormatException(DocumentPart.Syntax, $"The content is not valid JSON: {e.Message}", nameof(body), e);
        }
    }

    /// <summary>The user's view: <c>{"id":…,"rev":…, …content}</c> as UTF-8 JSON.</summary>
    public static byte[] ComposeUtf8(string id, Revision rev, ReadOnlySpan<byte> body)
    {
        var parts = new ComposeParts(id, rev, body);
        var result = new byte[parts.Length];
        parts.WriteTo(result);
        return result;
    }

    /// <summary>The user's view as a fresh <see cref="JsonObject"/> (composed in a pooled buffer: the parse copies it).</summary>
    public static JsonObject Compose(string id, Revision rev, ReadOnlySpan<byte> body) =>
        JsonObject.Create(ComposeElement(id, rev, body, out _))!;

    /// <summary>The user's view parsed into an immutable element (a <see cref="JsonObject"/> made from it with
    /// <c>JsonObject.Create</c> reads it lazily, like one from <c>JsonNode.Parse</c>). <paramref name="parsedBytes"/>:
    /// what the parse allocated, which the element keeps alive (its copy of the text and its token table).</summary>
    public static JsonElement ComposeElement(string id, Revision rev, ReadOnlySpan<byte> body, out long parsedBytes)
    {
        var parts = new ComposeParts(id, rev, body);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(parts.Length);
        try
        {
            parts.WriteTo(buffer);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var element = JsonElement.Parse(buffer.AsSpan(0, parts.Length), DocumentOptions);
            parsedBytes = GC.GetAllocatedBytesForCurrentThread() - before;
            return element;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>What <see cref="ComposeUtf8"/> writes, measured first so it can go into an exact or a pooled buffer.</summary>
    private readonly ref struct ComposeParts
    {
        private readonly string _id;
        private readonly byte[]? _encodedId;
        private readonly Revision _rev;
        private readonly ReadOnlySpan<byte> _body;
        private readonly int _revLength;

        public ComposeParts(string id, Revision rev, ReadOnlySpan<byte> body)
        {
            _id = id;
            _rev = rev;
            _body = body;
            // Printable ASCII without '"' or '\\' (nearly every id) needs no escaping: copy it instead of encoding it.
            bool plain = !id.AsSpan().ContainsAnyExceptInRange((char)0x20, (char)0x7E) && !id.AsSpan().ContainsAny('"', '\\');
            _encodedId = plain ? null : JsonEncodedText.Encode(id, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes.ToArray();
            Span<byte> revText = stackalloc byte[Revision.MaxUtf8Length];
            _revLength = rev.FormatUtf8(revText);
            int idLength = _encodedId?.Length ?? id.Length;
            Length = IdPrefix.Length + idLength + 2 + RevPrefix.Length + _revLength + 1 + (body.Length > 2 ? body.Length : 1);
        }

        public int Length { get; }

        public void WriteTo(Span<byte> span)
        {
            int pos = 0;
            Put(span, ref pos, IdPrefix);
            span[pos++] = (byte)'"';
            if (_encodedId is null) pos += Encoding.ASCII.GetBytes(_id, span[pos..]);
            else Put(span, ref pos, _encodedId);
            span[pos++] = (byte)'"';
            Put(span, ref pos, RevPrefix);
            pos += _rev.FormatUtf8(span[pos..]);
            span[pos++] = (byte)'"';
            if (_body.Length > 2)
            {
                span[pos++] = (byte)',';
                Put(span, ref pos, _body[1..]);
            }
            else
            {
                span[pos++] = (byte)'}';
            }
        }
    }

    /// <summary>A fresh <see cref="JsonObject"/> of <see cref="ComposeUtf8"/>'s output.</summary>
    public static JsonObject ParseComposed(byte[] composed) => JsonNode.Parse(composed, documentOptions: DocumentOptions)!.AsObject();

    private static void Put(Span<byte> span, ref int pos, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span[pos..]);
        pos += bytes.Length;
    }
}
