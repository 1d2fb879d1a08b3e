using System.Collections.Concurrent;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// Recycles decode buffers in a few fixed sizes: the smallest class plus 2×, 4×, … 32× that (blocks are sized per
/// segment, 8–32 KiB by default, and 64 KiB LZMA files of older segments still recycle). ArrayPool would round a 40 KiB block up to a 64 KiB array; larger blocks (one huge record) are plain
/// allocations and are not pooled.
/// </summary>
internal sealed class BlockBufferPool(int arraySize, int maxFree)
{
    private const int Classes = 6;
    private readonly ConcurrentQueue<byte[]>[] _free = [.. Enumerable.Range(0, Classes).Select(_ => new ConcurrentQueue<byte[]>())];
    private readonly int[] _freeCount = new int[Classes];

    /// <summary>Length of the arrays of the smallest class.</summary>
    public int ArraySize => arraySize;

    private int ClassOf(int length)
    {
        for (int c = 0; c < Classes; c++)
            if (length <= arraySize << c) return c;
        return -1;
    }

    private int ClassOfArray(int arrayLength)
    {
        for (int c = 0; c < Classes; c++)
            if (arrayLength == arraySize << c) return c;
        return -1;
    }

    public byte[] Rent(int length)
    {
        int c = ClassOf(length);
        if (c < 0) return new byte[length];
        if (_free[c].TryDequeue(out var array))
        {
            Interlocked.Decrement(ref _freeCount[c]);
            return array;
        }
        return new byte[arraySize << c];
    }

    public void Return(byte[] array)
    {
        int c = ClassOfArray(array.Length);
        if (c < 0) return;
        if (Interlocked.Increment(ref _freeCount[c]) > maxFree)
        {
            Interlocked.Decrement(ref _freeCount[c]);
            return;
        }
        _free[c].Enqueue(array);
    }
}
