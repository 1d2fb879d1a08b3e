using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// Order-preserving bytes for JSON values under the collation of DESIGN §7: comparing two encodings byte by byte
/// (ordinal, shorter first) gives the same order as the collation. Missing &lt; null &lt; false &lt; true &lt; numbers
/// (as doubles) &lt; strings (ordinal UTF-16 code units) &lt; arrays (element-wise) &lt; objects (pairwise, key then
/// value, in document order). Every encoding is self-delimiting, so a compound key is the concatenation of its
/// fields' encodings and compares field by field.
/// </summary>
internal static class CollationKey
{
    // Type tags (one byte, in collation order). 0x00 is the end marker of strings, arrays and objects.
    internal const byte Missing = 0x01, Null = 0x02, False = 0x03, True = 0x04, Number = 0x05, String = 0x06, Array = 0x07, Object = 0x08;
    private const byte End = 0x00, Pair = 0x01;

    /// <summary>The compound key of <paramref name="document"/> over <paramref name="fields"/> (a missing field encodes as <see cref="Missing"/>).</summary>
    public static byte[] ForDocument(JsonObject document, IReadOnlyList<FieldPath> fields)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        foreach (var field in fields)
        {
            if (field.TryGet(document, out var value)) Append(buffer, value);
            else WriteByte(buffer, Missing);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The encoding of one value (null = JSON null).</summary>
    public static byte[] Of(JsonNode? value)
    {
        var buffer = new ArrayBufferWriter<byte>(32);
        Append(buffer, value);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Appends the encoding of <paramref name="value"/> (null = JSON null).</summary>
    public static void Append(IBufferWriter<byte> buffer, JsonNode? value)
    {
        switch (value)
        {
            case null:
                WriteByte(buffer, Null);
                return;
            case JsonObject obj:
                WriteByte(buffer, Object);
                foreach (var (key, child) in obj)
                {
                    WriteByte(buffer, Pair);
                    AppendStringBody(buffer, key);
                    Append(buffer, child);
                }
                WriteByte(buffer, End);
                return;
            case JsonArray array:
                WriteByte(buffer, Array);
                foreach (var child in array) Append(buffer, child);
                WriteByte(buffer, End);
                return;
        }
        var element = value.AsValue();
        switch (element.GetValueKind())
        {
            case JsonValueKind.True: WriteByte(buffer, True); return;
            case JsonValueKind.False: WriteByte(buffer, False); return;
            case JsonValueKind.Null: WriteByte(buffer, Null); return;
            case JsonValueKind.Number: AppendNumber(buffer, element.GetValue<double>()); return;
            case JsonValueKind.String:
                WriteByte(buffer, String);
                AppendStringBody(buffer, element.GetValue<string>());
                return;
            default: throw new ArgumentException($"Cannot collate a JSON {element.GetValueKind()}.", nameof(value));
        }
    }

    /// <summary>Appends a number: tag, then the double's bits flipped so that byte order is numeric order.</summary>
    public static void AppendNumber(IBufferWriter<byte> buffer, double number)
    {
        if (number == 0) number = 0; // -0 collates as 0
        long bits = BitConverter.DoubleToInt64Bits(number);
        ulong ordered = bits < 0 ? ~(ulong)bits : (ulong)bits | 0x8000_0000_0000_0000UL;
        var span = buffer.GetSpan(9);
        span[0] = Number;
        BinaryPrimitives.WriteUInt64BigEndian(span[1..], ordered);
        buffer.Advance(9);
    }

    /// <summary>
    /// Appends a string's code units, each as 1–3 bytes whose order is the code unit's (U+0000–U+007E → one byte
    /// 0x01–0x7F, so ASCII costs one byte), then the end marker 0x00, which sorts below every lead byte.
    /// </summary>
    public static void AppendStringBody(IBufferWriter<byte> buffer, string text)
    {
        var span = buffer.GetSpan(text.Length * 3 + 1);
        int n = 0;
        foreach (char c in text)
        {
            int u = c;
            if (u < 0x7F) span[n++] = (byte)(u + 1);
            else if (u < 0x7F + 0x3F00)
            {
                int v = u - 0x7F;
                span[n++] = (byte)(0x80 + (v >> 8));
                span[n++] = (byte)v;
            }
            else
            {
                int v = u - (0x7F + 0x3F00);
                span[n++] = 0xC0;
                span[n++] = (byte)(v >> 8);
                span[n++] = (byte)v;
            }
        }
        span[n++] = End;
        buffer.Advance(n);
    }

    /// <summary>Ordinal comparison of two encodings (the collation order).</summary>
    public static int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.SequenceCompareTo(b);

    private static void WriteByte(IBufferWriter<byte> buffer, byte value)
    {
        buffer.GetSpan(1)[0] = value;
        buffer.Advance(1);
    }
}
