using System.Buffers;
using System.Text.Json;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Indexing;

/// <summary>
/// The fast path of <see cref="CollationKey.ForDocument"/>: the compound key of a stored record read straight from its
/// UTF-8 body (which leaves out <c>id</c> and <c>rev</c>; those two top-level fields come from the arguments) with a
/// <see cref="Utf8JsonReader"/>, building no JSON tree. One forward pass per field; bodies are validated on write
/// (no duplicate keys), so the first property of a name is the only one.
/// </summary>
internal static class IndexKeyReader
{
    /// <summary>Appends the compound key of the user's document <c>{id, rev, ...body}</c> over <paramref name="fields"/>.</summary>
    public static void Append(ArrayBufferWriter<byte> buffer, IReadOnlyList<FieldPath> fields, string id, Revision rev, ReadOnlySpan<byte> body)
    {
        foreach (var field in fields)
        {
            var segments = field.Segments;
            if (segments.Count == 1 && segments[0] is "id" or "rev")
            {
                buffer.GetSpan(1)[0] = CollationKey.String;
                buffer.Advance(1);
                CollationKey.AppendStringBody(buffer, segments[0] == "id" ? id : rev.ToString());
            }
            else if (segments[0] is "id" or "rev" || !AppendField(buffer, segments, body))
            {
                // id and rev are strings: nothing can be reached inside them.
                buffer.GetSpan(1)[0] = CollationKey.Missing;
                buffer.Advance(1);
            }
        }
    }

    private static bool AppendField(ArrayBufferWriter<byte> buffer, IReadOnlyList<string> segments, ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = DocumentCodec.MaxDepth });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
        for (int level = 0; level < segments.Count; level++)
        {
            // The reader is at the StartObject of the object holding segments[level].
            bool found = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool match = reader.ValueTextEquals(segments[level]);
                reader.Read();
                if (match)
                {
                    found = true;
                    break;
                }
                reader.Skip();
            }
            if (!found) return false;
            if (level == segments.Count - 1)
            {
                AppendValue(buffer, ref reader);
                return true;
            }
            if (reader.TokenType != JsonTokenType.StartObject) return false;
        }
        return false;
    }

    // The reader is at a value's first token; leaves it at the value's last token.
    private static void AppendValue(ArrayBufferWriter<byte> buffer, ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null: Put(buffer, CollationKey.Null); return;
            case JsonTokenType.False: Put(buffer, CollationKey.False); return;
            case JsonTokenType.True: Put(buffer, CollationKey.True); return;
            case JsonTokenType.Number: CollationKey.AppendNumber(buffer, reader.GetDouble()); return;
            case JsonTokenType.String:
                Put(buffer, CollationKey.String);
                CollationKey.AppendStringBody(buffer, reader.GetString()!);
                return;
            case JsonTokenType.StartArray:
                Put(buffer, CollationKey.Array);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) AppendValue(buffer, ref reader);
                Put(buffer, 0x00);
                return;
            case JsonTokenType.StartObject:
                Put(buffer, CollationKey.Object);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    Put(buffer, 0x01);
                    CollationKey.AppendStringBody(buffer, reader.GetString()!);
                    reader.Read();
                    AppendValue(buffer, ref reader);
                }
                Put(buffer, 0x00);
                return;
            default: throw new JsonException($"Unexpected JSON token {reader.TokenType}.");
        }
    }

    private static void Put(ArrayBufferWriter<byte> buffer, byte value)
    {
        buffer.GetSpan(1)[0] = value;
        buffer.Advance(1);
    }
}
