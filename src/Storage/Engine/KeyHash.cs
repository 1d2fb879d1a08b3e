using System.Buffers;
using System.Text;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// Stable shard routing: FNV-1a (32-bit) of the key's UTF-8 bytes. Persisted implicitly (a key's shard must never
/// change), so never replace it with <see cref="string.GetHashCode()"/>, which is randomised per process.
/// </summary>
internal static class KeyHash
{
    public static int ShardOf(string key, int shardCount)
    {
        int max = Encoding.UTF8.GetMaxByteCount(key.Length);
        byte[]? rented = null;
        Span<byte> buffer = max <= 1024 ? stackalloc byte[max] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            int length = Encoding.UTF8.GetBytes(key, buffer);
            uint hash = 2166136261;
            foreach (byte b in buffer[..length])
                hash = (hash ^ b) * 16777619;
            return (int)(hash % (uint)shardCount);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
