using System.Buffers;

namespace MyNoSql.Storage.IO;

/// <summary>LEB128 unsigned varints for the compact segment index and block headers.</summary>
internal static class VarInt
{
    public static int Write(Span<byte> destination, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    public static void Write(IBufferWriter<byte> writer, ulong value)
    {
        var span = writer.GetSpan(10);
        writer.Advance(Write(span, value));
    }

    /// <summary>Reads a varint; false when the input ends early or the value overflows.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, ref int position, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if ((uint)position >= (uint)source.Length) return false;
            byte b = source[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return true;
        }
        return false;
    }
}
