using System.Collections.Concurrent;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// Recycles decode buffers of one fixed size (block size plus slack). ArrayPool would round a 64 KiB block up to a
/// 128 KiB array; blocks larger than the slack (one huge record) are plain allocations and are not pooled.
/// </summary>
internal sealed class BlockBufferPool(int arraySize, int maxFree)
{
    private readonly ConcurrentQueue<byte[]> _free = new();
    private int _freeCount;

    public byte[] Rent(int length)
    {
        if (length > arraySize) return new byte[length];
        if (_free.TryDequeue(out var array))
        {
            Interlocked.Decrement(ref _freeCount);
            return array;
        }
        return new byte[arraySize];
    }

    public void Return(byte[] array)
    {
        if (array.Length != arraySize) return;
        if (Interlocked.Increment(ref _freeCount) > maxFree)
        {
            Interlocked.Decrement(ref _freeCount);
            return;
        }
        _free.Enqueue(array);
    }
}
