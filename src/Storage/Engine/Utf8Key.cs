using System.Buffers;
using System.Text;

namespace MyNoSql.Storage.Engine;

/// <summary>Key ↔ UTF-8 helpers. Keys are stored and compared as UTF-8; invalid UTF-16 (lone surrogates) is rejected
/// so that two different strings can never map to the same bytes.</summary>
internal static class Utf8Key
{
    public static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Encodes into <paramref name="scratch"/> or, when too small, a rented array the caller returns.</summary>
    public static ReadOnlySpan<byte> Encode(string key, Span<byte> scratch, out byte[]? rented)
    {
        rented = null;
        int max = Encoding.UTF8.GetMaxByteCount(key.Length);
        if (max > scratch.Length)
        {
            int exact = Strict.GetByteCount(key);
            if (exact > scratch.Length) scratch = rented = ArrayPool<byte>.Shared.Rent(exact);
        }
        return scratch[..Strict.GetBytes(key, scratch)];
    }

    public static void Return(byte[]? rented)
    {
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
    }

    public static string Decode(ReadOnlySpan<byte> key) => Encoding.UTF8.GetString(key);
}
