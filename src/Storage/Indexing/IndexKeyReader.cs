using System.Buffers;
using System.Text.Json;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Indexing;

/// <summary>
/// The fast path of <see cref="CollationKey.ForDocument"/>: the compound key of a stored record read straight from its
/// UTF-8 body (which leaves out <c>id</c> and <c>rev</c>; those two top-level fields come from the arguments) with a
/// <see cref="Utf8JsonReader"/>, building no JSON tree, in one forward pass over the top level. Bodies are validated
/// on write (no duplicate keys), so the first property of a name is the only one.
/// </summary>
internal static class IndexKeyReader
{
    /// <summary>Appends the compound key of the user's document <c>{id, rev, ...body}</c> over <paramref name="fields"/>.</summary>
    public static void Append(ArrayBufferWriter<byte> buffer, IReadOnlyList<FieldPath> fields, string id, Revision rev, ReadOnlySpan<byte> body)
    {
        // One pass over the top level finds every field: each value is encoded into a scratch slot, then the slots
        // are appended in field order (a missing field is one Missing byte).
        Span<(int Start, int Length)> slots = stackalloc (int, int)[fields.Count];
        slots.Fill((-1, 0));
        var scratch = Scratch ??= new ArrayBufferWriter<byte>(256);
        scratch.ResetWrittenCount();
        // Fields read from the body; once all are found the rest of it is not parsed (names are unique).
        int wanted = 0;
        for (int f = 0; f < fields.Count; f++)
            if (fields[f].Segments[0] is not ("id" or "rev")) wanted++;
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = DocumentCodec.MaxDepth });
        if (wanted > 0 && reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (wanted > 0 && reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader;
                reader.Read();
                for (int f = 0; f < fields.Count; f++)
                {
                    var segments = fields[f].Segments;
                    if (slots[f].Start >= 0 || !name.ValueTextEquals(segments[0])) continue;
                    int before = scratch.WrittenCount;
                    var value = reader; // a copy: several fields may start under the same property
                    if (segments.Count == 1) AppendValue(scratch, ref value);
                    else if (!AppendNested(scratch, fields[f], ref value)) continue;
                    slots[f] = (before, scratch.WrittenCount - before);
                    wanted--;
                }
                reader.Skip();
            }
        }
        for (int f = 0; f < fields.Count; f++)
        {
            var segments = fields[f].Segments;
            if (segments[0] is "id" or "rev")
            {
                // The body never holds them: they come from the header. Nothing can be reached inside a string.
                if (segments.Count == 1)
                {
                    Put(buffer, CollationKey.String);
                    CollationKey.AppendStringBody(buffer, segments[0] == "id" ? id : rev.ToString());
                }
                else Put(buffer, CollationKey.Missing);
            }
            else if (slots[f].Start < 0) Put(buffer, CollationKey.Missing);
            else buffer.Write(scratch.WrittenSpan.Slice(slots[f].Start, slots[f].Length));
        }
    }

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? Scratch;

    // The reader is at the value of the path's first segment; appends the value at the end of the path, or returns
    // false. Steps as FieldPath.TryGet does: a property of an object, or a position in an array (digits segments).
    private static bool AppendNested(ArrayBufferWriter<byte> buffer, FieldPath path, ref Utf8JsonReader reader)
    {
        var segments = path.Segments;
        for (int level = 1; level < segments.Count; level++)
        {
            bool found = false;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
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
            }
            else if (reader.TokenType == JsonTokenType.StartArray && path.Position(level) >= 0)
            {
                for (int skip = path.Position(level); reader.Read() && reader.TokenType != JsonTokenType.EndArray; skip--)
                {
                    if (skip == 0)
                    {
                        found = true;
                        break;
                    }
                    reader.Skip();
                }
            }
            if (!found) return false;
            if (level == segments.Count - 1)
            {
                AppendValue(buffer, ref reader);
                return true;
            }
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
