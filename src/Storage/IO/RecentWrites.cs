namespace MyNoSql.Storage.IO;

/// <summary>
/// The last <see cref="Capacity"/> bytes appended to a file whose appends bypass the page cache
/// (<see cref="DirectAppendWriter"/>), so that reading a record right after its save (read-your-write) copies it from
/// here instead of reading the device: a direct write leaves no cached page behind, and the first read of such a page
/// measured ~45 µs against ~1.3 µs from the page cache. One appender (the committer); readers on any thread.
/// </summary>
/// <remarks>
/// A ring indexed by file offset, guarded by a sequence number that is odd while the appender copies: a reader copies
/// out, then checks the number did not move (the bytes it read were not being overwritten); otherwise it retries, and
/// a range that has left the window is read from the file.
/// </remarks>
internal sealed class RecentWrites
{
    /// <summary>Bytes kept: several of the block cache's log pages, so the page being filled and the ones just before
    /// it are always served from here.</summary>
    public const int Capacity = 64 << 10;
    private const int Mask = Capacity - 1;

    private readonly byte[] _ring = new byte[Capacity];
    private int _sequence;        // odd while an append copies
    private long _first = -1;     // offset of the first byte appended since the window (re)started
    private long _end = -1;       // offset after the last byte appended

    /// <summary>Records <paramref name="buffers"/>, just written at <paramref name="offset"/>.</summary>
    public void Add(ReadOnlySpan<ReadOnlyMemory<byte>> buffers, long offset)
    {
        Interlocked.Increment(ref _sequence);
        try
        {
            if (offset != Volatile.Read(ref _end)) Volatile.Write(ref _first, offset); // not contiguous: start over
            long position = offset;
            foreach (var memory in buffers)
            {
                var source = memory.Span;
                if (source.Length > Capacity)
                {
                    // Only the last Capacity bytes can stay.
                    position += source.Length - Capacity;
                    source = source[^Capacity..];
                }
                while (!source.IsEmpty)
                {
                    int at = (int)(position & Mask);
                    int n = Math.Min(source.Length, Capacity - at);
                    source[..n].CopyTo(_ring.AsSpan(at));
                    source = source[n..];
                    position += n;
                }
            }
            Volatile.Write(ref _end, position);
        }
        finally
        {
            Interlocked.Increment(ref _sequence);
        }
    }

    /// <summary>Copies [<paramref name="offset"/>, + length) into <paramref name="destination"/> when all of it is still
    /// in the window; false otherwise (the caller reads the file).</summary>
    public bool TryRead(Span<byte> destination, long offset)
    {
        var spin = new SpinWait();
        while (true)
        {
            int sequence = Volatile.Read(ref _sequence);
            if ((sequence & 1) != 0)
            {
                spin.SpinOnce();
                continue;
            }
            long end = Volatile.Read(ref _end), first = Volatile.Read(ref _first);
            if (first < 0 || offset < Math.Max(first, end - Capacity) || offset + destination.Length > end) return false;
            var target = destination;
            long position = offset;
            while (!target.IsEmpty)
            {
                int at = (int)(position & Mask);
                int n = Math.Min(target.Length, Capacity - at);
                _ring.AsSpan(at, n).CopyTo(target);
                target = target[n..];
                position += n;
            }
            Interlocked.MemoryBarrier(); // the copy above completes before the sequence is read again
            if (Volatile.Read(ref _sequence) == sequence) return true;
        }
    }
}
