using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MyNoSql.Storage.Sync;

/// <summary>
/// A pull checkpoint: per index segment (64), the epoch of the segment's sequence space and the last sequence
/// pulled. Flattened on the wire as <c>[epoch0, seq0, epoch1, seq1, …]</c>. Its <see cref="Token"/> is what a
/// peer sends in a poll: the mirror computes the same token over its current vector and answers 204 when equal.
/// </summary>
internal static class SyncCheckpoint
{
    /// <summary>Index segments per database (see <c>IndexSegment.Count</c>).</summary>
    public const int Segments = 64;

    /// <summary>Length of the flattened vector.</summary>
    public const int Length = Segments * 2;

    /// <summary>An empty checkpoint (pull everything).</summary>
    public static long[] Empty() => new long[Length];

    /// <summary>True when <paramref name="vector"/> has the right length (null and empty mean "from the beginning").</summary>
    public static bool IsValid(long[]? vector) => vector is null || vector.Length == 0 || vector.Length == Length;

    /// <summary>A short URL-safe token (16 chars) identifying the vector: base64url of 12 bytes of its SHA-256.</summary>
    public static string Token(ReadOnlySpan<long> vector)
    {
        Span<byte> raw = stackalloc byte[Length * 8];
        raw.Clear();
        for (int i = 0; i < vector.Length && i < Length; i++) BinaryPrimitives.WriteInt64LittleEndian(raw[(i * 8)..], vector[i]);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(raw, hash);
        return Convert.ToBase64String(hash[..12]).Replace('+', '-').Replace('/', '_');
    }
}
