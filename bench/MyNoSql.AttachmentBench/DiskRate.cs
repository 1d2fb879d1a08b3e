using System.Diagnostics;

namespace MyNoSql.AttachmentBench;

/// <summary>The disk's sequential write rate in the same run: <c>size</c> bytes in 1 MiB writes, then one fsync.</summary>
internal static class DiskRate
{
    public static TimeSpan Measure(string path, long size)
    {
        var block = new byte[1 << 20];
        new Random(1).NextBytes(block);
        var sw = Stopwatch.StartNew();
        using (var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            for (long done = 0; done < size; done += block.Length)
            {
                block[0]++;
                f.Write(block, 0, (int)Math.Min(block.Length, size - done));
            }
            f.Flush(flushToDisk: true);
        }
        var elapsed = sw.Elapsed;
        File.Delete(path);
        return elapsed;
    }
}
