using System.Numerics;
using System.Runtime.InteropServices;

namespace MyNoSql.Storage.IO;

/// <summary>CRC-32C (Castagnoli) using the hardware instruction via <see cref="BitOperations.Crc32C(uint, ulong)"/>.</summary>
internal static class Crc
{
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(~0u, data);

    /// <summary>Continues a raw (non-inverted) crc state: start with ~0u, finish with ~.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var longs = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (ulong v in longs) crc = BitOperations.Crc32C(crc, v);
        foreach (byte b in data[(longs.Length * 8)..]) crc = BitOperations.Crc32C(crc, b);
        return crc;
    }
}
