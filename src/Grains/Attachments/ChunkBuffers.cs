using System.Buffers;
using MyNoSql.Storage.Attachments;
using Orleans.Serialization.Buffers;

namespace MyNoSql.Grains.Attachments;

/// <summary>
/// The chunk-sized buffers of this silo's attachment traffic (uploads cut here, chunks received from other silos, chunks
/// read for a copy): one bounded pool without per-thread caches. <see cref="ArrayPool{T}.Shared"/> keeps one array per
/// size in every thread that returned one, and the fsyncs of chunk writes run on many pool threads, so with 1 MiB arrays
/// it can keep tens of MiB (issue 15's 64 MiB goal; measured together with the PooledBuffer messages). Beyond <see cref="Retained"/> buffers in use at once, extra ones are
/// allocated and left to the GC.
/// </summary>
internal static class ChunkBuffers
{
    /// <summary>Most buffers the pool keeps (the largest number of chunks an upload and its copies hold at once, with room).</summary>
    public const int Retained = 24;

    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(AttachmentStoreOptions.DefaultChunkSize, Retained);

    /// <summary>A buffer of at least one chunk (1 MiB).</summary>
    public static byte[] Rent() => Pool.Rent(AttachmentStoreOptions.DefaultChunkSize);

    /// <summary>Gives back a buffer from <see cref="Rent"/>.</summary>
    public static void Return(byte[] buffer) => Pool.Return(buffer);

    /// <summary>
    /// A copy of <paramref name="bytes"/> for one grain call (<c>IMirrorService.PutAttachmentChunk</c>): Orleans'
    /// <see cref="PooledBuffer"/> (pinned 4 KiB blocks, recycled), which its codec gives back to the pool once the
    /// message is serialized, so the sender never has to know when that happened; the receiver gets its own pooled
    /// copy instead of a 1 MiB <c>byte[]</c> on the large-object heap. A call that fails before it is serialized
    /// leaves the blocks to the GC.
    /// </summary>
    public static PooledBuffer Message(ReadOnlySpan<byte> bytes)
    {
        var message = new PooledBuffer();
        message.Write(bytes);
        return message;
    }

    /// <summary>
    /// Copies a received <see cref="PooledBuffer"/> of at most one chunk into a rented buffer and disposes it (also when
    /// it is too long: then null). The caller returns the buffer.
    /// </summary>
    public static byte[]? Take(ref PooledBuffer message, out int length)
    {
        try
        {
            length = message.Length;
            if (length > AttachmentStoreOptions.DefaultChunkSize) return null;
            byte[] buffer = Rent();
            message.CopyTo(buffer.AsSpan(0, length));
            return buffer;
        }
        finally
        {
            message.Dispose();
        }
    }
}
