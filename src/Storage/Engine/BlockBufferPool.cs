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
/// Buffers beyond a pool's own free list, and all of them once its store closed (<see cref="Retire"/>), go to the
/// process's <see cref="BufferReserve"/>, where the next pool to miss finds them.
/// </summary>
internal sealed class BlockBufferPool(int arraySize, int maxFree)
{
    private const int Classes = 6;
    private readonly ConcurrentQueue<byte[]>[] _free = [.. Enumerable.Range(0, Classes).Select(_ => new ConcurrentQueue<byte[]>())];
    private readonly int[] _freeCount = new int[Classes];
    private volatile bool _retired;

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
        return BufferReserve.TryTake(arraySize << c) ?? GC.AllocateUninitializedArray<byte>(arraySize << c, pinned: true);
    }

    public void Return(byte[] array)
    {
        int c = ClassOfArray(array.Length);
        if (c < 0) return;
        bool retired = _retired;
        if (retired || Interlocked.Increment(ref _freeCount[c]) > maxFree)
        {
            if (!retired) Interlocked.Decrement(ref _freeCount[c]);
            BufferReserve.TryPut(array);
            return;
        }
        _free[c].Enqueue(array);
    }

    /// <summary>The store closed: every free buffer, and each one returned later, goes to the process's reserve.</summary>
    public void Retire()
    {
        _retired = true;
        for (int c = 0; c < Classes; c++)
        {
            while (_free[c].TryDequeue(out var array))
            {
                Interlocked.Decrement(ref _freeCount[c]);
                BufferReserve.TryPut(array);
            }
        }
    }
}
