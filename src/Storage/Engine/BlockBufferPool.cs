using System.Collections.Concurrent;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// Recycles decode buffers in a few fixed sizes: the smallest class plus 2×, 4×, … 32× that (blocks are sized per
/// segment, 8–32 KiB by default, and 64 KiB LZMA files of older segments still recycle). ArrayPool would round a 40 KiB block up to a 64 KiB array; larger blocks (one huge record) are plain
/// allocations and are not pooled.
/// New pooled buffers go to the pinned object heap, uninitialised: they are read or decoded into before use, and they
/// live as long as the cache holds them. As ordinary arrays each miss right after a reopen (an empty pool) added a
/// surviving 8–40 KiB array to gen0: promoted, copied, and gen0 kept moving to fresh pages, so the reading thread spent
/// ~30 % of its time zeroing and faulting pages (README "Issue 14, fourth pass").
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
        return GC.AllocateUninitializedArray<byte>(arraySize << c, pinned: true);
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
