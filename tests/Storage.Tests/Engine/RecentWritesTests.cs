using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Tests.Engine;

/// <summary>The window of a direct log's last appended bytes that serves reads right after a save.</summary>
public sealed class RecentWritesTests
{
    // Not periodic in the window's size: a byte overwritten by the appender differs from the one a reader expects.
    private static byte At(long offset) => (byte)(offset * 31 + (offset >> 8) + (offset >> 16) * 97);

    private static byte[] Bytes(long offset, int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = At(offset + i);
        return bytes;
    }

    [Fact]
    public void ServesOnlyTheLastCapacityBytes_AcrossTheRingsEnd()
    {
        var recent = new RecentWrites();
        var buffer = new byte[100];
        Assert.False(recent.TryRead(buffer, 0)); // nothing appended yet

        long offset = 5_000; // a log reopened mid-file: the window starts where the appends do
        int[] sizes = [17, 4096, 30_000, 1, 40_000, 12_345];
        foreach (int size in sizes)
        {
            recent.Add([Bytes(offset, size)], offset);
            offset += size;
        }
        long end = offset;
        Assert.False(recent.TryRead(buffer, 4_990));                                    // before the first append
        Assert.False(recent.TryRead(buffer, end - 50));                                 // past the end
        Assert.False(recent.TryRead(buffer, end - RecentWrites.Capacity - 1));          // left the window
        foreach (long at in new[] { end - RecentWrites.Capacity, end - 100, end - 40_000 - 12_345 - 3 })
        {
            Assert.True(recent.TryRead(buffer, at));
            Assert.Equal(Bytes(at, buffer.Length), buffer);
        }
        var whole = new byte[RecentWrites.Capacity];
        Assert.True(recent.TryRead(whole, end - whole.Length));
        Assert.Equal(Bytes(end - whole.Length, whole.Length), whole);
    }

    [Fact]
    public void AGapOrAnAppendLargerThanTheWindow_KeepsOnlyWhatIsKnown()
    {
        var recent = new RecentWrites();
        recent.Add([Bytes(0, 1000)], 0);
        recent.Add([Bytes(9000, 100)], 9000); // not contiguous: the window starts again
        var buffer = new byte[10];
        Assert.False(recent.TryRead(buffer, 990));
        Assert.True(recent.TryRead(buffer, 9050));
        Assert.Equal(Bytes(9050, 10), buffer);

        recent.Add([Bytes(9100, 3 * RecentWrites.Capacity), Bytes(9100 + 3 * RecentWrites.Capacity, 7)], 9100);
        long end = 9107 + 3 * RecentWrites.Capacity;
        Assert.True(recent.TryRead(buffer, end - 10));
        Assert.Equal(Bytes(end - 10, 10), buffer);
        Assert.False(recent.TryRead(buffer, end - RecentWrites.Capacity - 5));
    }

    [Fact]
    public async Task ReadersBesideTheAppender_NeverSeeTornBytes()
    {
        var recent = new RecentWrites();
        long end = 0;
        var served = new long[2];
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, served.Length).Select(r => Task.Run(() =>
        {
            var random = new Random(r);
            var buffer = new byte[3000];
            while (!stop.IsCancellationRequested)
            {
                long known = Volatile.Read(ref end);
                if (known < RecentWrites.Capacity) continue;
                // Mostly near the window's old end, where the appender overwrites.
                long at = known - RecentWrites.Capacity + random.Next(RecentWrites.Capacity / 8);
                if (!recent.TryRead(buffer, at)) continue;
                for (int i = 0; i < buffer.Length; i++)
                    if (buffer[i] != At(at + i)) throw new InvalidDataException($"byte {at + i} torn: {buffer[i]} != {At(at + i)}");
                Interlocked.Increment(ref served[r]);
            }
        })).ToArray();
        // Appends until both readers have been served many times while it wrote (bounded in time for a loaded machine).
        var random = new Random(7);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((Volatile.Read(ref served[0]) < 10_000 || Volatile.Read(ref served[1]) < 10_000) && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            int size = random.Next(1, 9000);
            recent.Add([Bytes(end, size)], end);
            Volatile.Write(ref end, end + size);
        }
        await stop.CancelAsync();
        await Task.WhenAll(readers);
        Assert.All(served, count => Assert.True(count >= 10_000, $"{count} reads served"));
    }
}
