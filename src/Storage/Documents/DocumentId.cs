using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace MyNoSql.Storage.Documents;

/// <summary>Record id rules (DESIGN §2) and time-ordered id generation.</summary>
public static class DocumentId
{
    /// <summary>Largest id, in UTF-8 bytes.</summary>
    public const int MaxUtf8Bytes = 512;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private const string Crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static readonly Lock Gate = new();
    private static long _lastMs;
    private static UInt128 _lastRandom;

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="id"/> is a valid record id.</summary>
    public static void Validate(string? id, string paramName = "id")
    {
        if (string.IsNullOrEmpty(id))
            throw new ArgumentException("A record id must be a non-empty string.", paramName);
        // Printable ASCII (nearly every id): one vectorized scan, and the UTF-8 length is the string's length.
        if (id.Length <= MaxUtf8Bytes && !id.AsSpan().ContainsAnyExceptInRange((char)0x20, (char)0x7E)) return;
        foreach (char c in id)
        {
            if (char.IsControl(c))
                throw new ArgumentException($"Record id '{Printable(id)}' contains a control character (U+{(int)c:X4}).", paramName);
        }
        int bytes;
        try { bytes = StrictUtf8.GetByteCount(id); }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"Record id '{Printable(id)}' is not valid Unicode (unpaired surrogate).", paramName, e);
        }
        if (bytes > MaxUtf8Bytes)
            throw new ArgumentException($"Record id is {bytes} UTF-8 bytes; the limit is {MaxUtf8Bytes}.", paramName);
    }

    /// <summary>
    /// A new 26-character id (ULID layout: 48-bit millisecond time + 80 random bits, Crockford base32).
    /// Monotonic within the process, so generated ids sort ordinally in creation order.
    /// </summary>
    public static string NewId()
    {
        long ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        UInt128 random;
        lock (Gate)
        {
            if (ms <= _lastMs)
            {
                ms = _lastMs;
                random = _lastRandom + 1;
                if (random >> 80 != 0) { ms++; random = NextRandom(); }
            }
            else
            {
                random = NextRandom();
            }
            _lastMs = ms;
            _lastRandom = random;
        }
        Span<char> chars = stackalloc char[26];
        UInt128 value = ((UInt128)(ulong)ms << 80) | random;
        for (int i = 25; i >= 0; i--)
        {
            chars[i] = Crockford[(int)(value & 31)];
            value >>= 5;
        }
        return new string(chars);
    }

    private static UInt128 NextRandom()
    {
        Span<byte> b = stackalloc byte[16];
        RandomNumberGenerator.Fill(b);
        // 79 of the 80 random bits: headroom so increments within one millisecond never overflow in practice.
        return BinaryPrimitives.ReadUInt128LittleEndian(b) & ((UInt128.One << 79) - 1);
    }

    internal static string Printable(string id) => id.Length <= 64
        ? string.Concat(id.Select(c => char.IsControl(c) ? '?' : c))
        : string.Concat(id.AsSpan(0, 64).ToArray().Select(c => char.IsControl(c) ? '?' : c)) + "…";
}
