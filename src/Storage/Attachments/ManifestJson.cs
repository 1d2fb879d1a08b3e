using System.Buffers;
using System.Text.Json;

namespace MyNoSql.Storage.Attachments;

/// <summary>Manifest JSON <c>{"digest","length","chunk_size","chunks":[ids]}</c>: the file format and the sync wire format.</summary>
internal static class ManifestJson
{
    /// <summary>Largest chunk size a manifest may name (a bound for hostile input).</summary>
    public const int MaxChunkSize = 64 << 20;

    public static byte[] Write(AttachmentManifest manifest)
    {
        var buffer = new ArrayBufferWriter<byte>(96 + 67 * manifest.Chunks.Count);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("digest", manifest.Digest);
            w.WriteNumber("length", manifest.Length);
            w.WriteNumber("chunk_size", manifest.ChunkSize);
            w.WriteStartArray("chunks");
            foreach (string id in manifest.Chunks) w.WriteStringValue(id);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Parses and checks a manifest (digest form, chunk ids, count consistent with length and chunk size).</summary>
    /// <exception cref="FormatException">What is wrong.</exception>
    public static AttachmentManifest Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException("A manifest must be a JSON object.");
            if (!root.TryGetProperty("digest", out var d) || d.ValueKind != JsonValueKind.String || !AttachmentStubs.IsValidDigest(d.GetString()))
                throw new FormatException("A manifest needs \"digest\": \"sha256-<base64 of 32 bytes>\".");
            if (!root.TryGetProperty("length", out var l) || !l.TryGetInt64(out long length) || length < 0)
                throw new FormatException("A manifest needs \"length\" ≥ 0.");
            if (!root.TryGetProperty("chunk_size", out var s) || !s.TryGetInt32(out int chunkSize) || chunkSize <= 0 || chunkSize > MaxChunkSize)
                throw new FormatException($"A manifest needs \"chunk_size\" in 1..{MaxChunkSize}.");
            if (!root.TryGetProperty("chunks", out var c) || c.ValueKind != JsonValueKind.Array)
                throw new FormatException("A manifest needs \"chunks\": [ids].");
            long expected = (length + chunkSize - 1) / chunkSize;
            if (c.GetArrayLength() != expected)
                throw new FormatException($"A manifest of {length} bytes in chunks of {chunkSize} must name {expected} chunks, not {c.GetArrayLength()}.");
            var chunks = new List<string>((int)expected);
            foreach (var e in c.EnumerateArray())
            {
                string? id = e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                if (!ChunkFile.IsValidId(id)) throw new FormatException("A manifest's chunk ids must be 64 lowercase hex characters.");
                chunks.Add(id!);
            }
            return new AttachmentManifest(d.GetString()!, length, chunkSize, chunks);
        }
        catch (JsonException e)
        {
            throw new FormatException($"A manifest must be JSON: {e.Message}", e);
        }
    }
}
