using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Tests.Engine;

/// <summary>
/// The log's O_DIRECT appends: whole pages from an aligned buffer, the partial last page carried to the next append (or
/// read back when an append does not continue the previous one), zeros after the end.
/// </summary>
public sealed class DirectAppendWriterTests
{
    [Fact]
    public void Appends_LeaveTheFileByteForByteAsWritten_WithZerosAfterTheEnd()
    {
        if (!OperatingSystem.IsLinux()) return; // direct appends are Linux only; elsewhere the log writes buffered
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "log.wal");
        const int fileLength = 4 << 20;
        using (var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            RandomAccess.Write(handle, new byte[fileLength], 0);
            RandomAccess.FlushToDisk(handle);
        }
        var expected = new byte[fileLength];
        var random = new Random(14);
        long offset = 0;
        using var buffered = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        // Small appends inside one page, appends that cross pages, one larger than the writer's 256 KiB buffer, and a
        // writer opened mid-file (its first append reads the partial page back).
        int[][] batches = [[17], [100, 3], [4079], [1], [4096], [5000, 6000, 7], [300 << 10], [1, 2, 3], [12345]];
        var writer = DirectAppendWriter.TryOpen(path);
        Assert.NotNull(writer);
        try
        {
            for (int b = 0; b < batches.Length; b++)
            {
                if (b == 5)
                {
                    writer.Dispose();
                    writer = DirectAppendWriter.TryOpen(path)!;
                }
                var buffers = batches[b].Select(size =>
                {
                    var bytes = new byte[size];
                    random.NextBytes(bytes);
                    return (ReadOnlyMemory<byte>)bytes;
                }).ToArray();
                if (!writer.Continues(offset))
                {
                    var head = new byte[offset - DirectAppendWriter.PageFloor(offset)];
                    RandomAccess.Read(buffered, head, offset - head.Length);
                    writer.Restart(offset, head);
                }
                writer.Append(buffers, offset);
                foreach (var bytes in buffers)
                {
                    bytes.Span.CopyTo(expected.AsSpan((int)offset));
                    offset += bytes.Length;
                }
                var actual = new byte[fileLength];
                Assert.Equal(fileLength, RandomAccess.Read(buffered, actual, 0)); // the page cache sees the direct writes
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"file differs after batch {b} (end {offset})");
            }
        }
        finally
        {
            writer.Dispose();
        }
        Assert.Equal(fileLength, new FileInfo(path).Length); // padding stayed inside the preallocated zeros

        // Zero-fill (the log's preallocation) over written bytes, and past the end of the file.
        using (var zeroing = DirectAppendWriter.TryOpen(path)!)
            zeroing.WriteZeros(8192, fileLength + (1 << 20));
        var after = new byte[fileLength + (1 << 20)];
        Assert.Equal(after.Length, RandomAccess.Read(buffered, after, 0));
        Assert.True(expected.AsSpan(0, 8192).SequenceEqual(after.AsSpan(0, 8192)));
        Assert.True(after.AsSpan(8192).IndexOfAnyExcept((byte)0) < 0);
    }

    [Fact]
    public void Append_WithoutThePageBeforeIt_OrAfterDispose_Throws()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "log.wal");
        File.WriteAllBytes(path, new byte[8192]);
        var writer = DirectAppendWriter.TryOpen(path)!;
        Assert.Throws<InvalidOperationException>(() => writer.Append([new byte[10]], 100)); // the page before 100 unknown
        Assert.Throws<ArgumentException>(() => writer.Restart(100, new byte[99]));
        writer.Restart(0, []);
        writer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => writer.Append([new byte[10]], 0));
    }
}
