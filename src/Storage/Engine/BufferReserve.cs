using System.Collections.Concurrent;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// Pinned block and page buffers that no pool holds any more (a closed store's cache, a pool's overflow), kept for the
/// next pool that misses. On this VM a page fault costs several µs: a store reopened in the same process spent most of
/// its first cold reads faulting in fresh 20 KiB pages, while the closed store's buffers, pinned and already faulted
/// in, waited as garbage for a gen2 collection (README "Issue 14, fifth pass"). Bounded by <see cref="CapBytes"/>; a
/// gen2 collection that finds the reserve untouched (nothing put or taken) since the previous one empties it, so memory
/// goes back to the GC when nothing reopens. A put counts: buffers a store hands over when it closes must survive the
/// next gen2 collection, which a close that drops many objects (its parsed documents) can bring forward to before the
/// reopen's first read.
/// </summary>
internal static class BufferReserve
{
    /// <summary>Bytes the reserve keeps at most (the default block cache's size).</summary>
    public const long CapBytes = 16L << 20;

    private static readonly ConcurrentDictionary<int, ConcurrentQueue<byte[]>> s_free = new();
    private static long s_bytes;
    private static int s_usedSinceTrim;
    private static int s_gcTrimPaused;

    static BufferReserve() => Gen2Callback.Start();

    /// <summary>Bytes held now (tests).</summary>
    public static long Bytes => Interlocked.Read(ref s_bytes);

    /// <summary>A buffer of exactly <paramref name="length"/> bytes, or null when none is kept.</summary>
    public static byte[]? TryTake(int length)
    {
        if (Interlocked.Read(ref s_bytes) == 0 || !s_free.TryGetValue(length, out var queue) || !queue.TryDequeue(out var array)) return null;
        Interlocked.Add(ref s_bytes, -array.Length);
        Volatile.Write(ref s_usedSinceTrim, 1);
        return array;
    }

    /// <summary>Keeps <paramref name="array"/> unless the reserve is full. The caller no longer uses it.</summary>
    public static void TryPut(byte[] array)
    {
        if (Interlocked.Add(ref s_bytes, array.Length) > CapBytes)
        {
            Interlocked.Add(ref s_bytes, -array.Length);
            return;
        }
        s_free.GetOrAdd(array.Length, static _ => new ConcurrentQueue<byte[]>()).Enqueue(array);
        Volatile.Write(ref s_usedSinceTrim, 1);
    }

    /// <summary>Drops every buffer when none was taken since the last call (each gen2 collection; tests).</summary>
    internal static void Trim(bool force = false)
    {
        if (Interlocked.Exchange(ref s_usedSinceTrim, 0) != 0 && !force) return;
        foreach (var queue in s_free.Values)
        {
            while (queue.TryDequeue(out var array)) Interlocked.Add(ref s_bytes, -array.Length);
        }
    }

    /// <summary>Tests that count the reserve's bytes: no trim from a collection until disposed.</summary>
    internal static IDisposable PauseGcTrim()
    {
        Interlocked.Increment(ref s_gcTrimPaused);
        return new Resume();
    }

    private sealed class Resume : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref s_gcTrimPaused);
    }

    /// <summary>Unreachable from birth: its finalizer runs after a collection and re-registers itself. Once the object
    /// is in gen2 that is once per gen2 collection (the runtime's own array pools trim the same way).</summary>
    private sealed class Gen2Callback
    {
        public static void Start() => _ = new Gen2Callback();

        ~Gen2Callback()
        {
            if (Environment.HasShutdownStarted) return;
            if (Volatile.Read(ref s_gcTrimPaused) == 0) Trim();
            GC.ReRegisterForFinalize(this);
        }
    }
}
