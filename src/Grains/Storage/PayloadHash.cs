using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace MyNoSql.Grains.Storage;

/// <summary>ETags of locally stored state: 64 bits of SHA-256 of the stored payload.</summary>
internal static class PayloadHash
{
    public static string Of(ReadOnlySpan<byte> payload)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(payload, digest);
        return BinaryPrimitives.ReadUInt64BigEndian(digest).ToString("x16", CultureInfo.InvariantCulture);
    }
}
