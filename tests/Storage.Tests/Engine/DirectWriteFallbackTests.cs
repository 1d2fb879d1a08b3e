using MyNoSql.Storage.Engine;
using MyNoSql.Storage.IO;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

/// <summary>
/// A file system that opens a log with O_DIRECT but refuses the page-aligned writes (EINVAL, as a device with logical
/// blocks larger than a page does): the log falls back to page-cache writes instead of refusing every later save.
/// </summary>
public sealed class DirectWriteFallbackTests
{
    [Fact]
    public async Task Refused_direct_writes_fall_back_to_the_page_cache_and_every_record_survives_a_reopen()
    {
        if (!OperatingSystem.IsLinux()) return; // direct appends are Linux only
        using var dir = new TempDirectory();
        try
        {
            // A small log threshold: the run also rotates to new logs, whose creation zero-fills (refused, then buffered).
            var options = Small(shards: 2, sealOnClose: false, logThreshold: 256 << 10);
            await using (var store = await RecordStore.OpenAsync(dir.Path, options))
            {
                // Direct appends first; then the file system starts refusing them (an append is refused mid-log).
                for (int i = 0; i < 100; i++) await store.WriteAsync(Record($"k{i:D4}", 1));
                DirectAppendWriter.RefuseDirectoryForTests = dir.Path;
                for (int i = 100; i < 2000; i++) await store.WriteAsync(Record($"k{i:D4}", 1));
                await store.WriteAsync(Record("k0007", 2));
                Assert.Equal(Body("k0007", 2), Text(await store.ReadAsync("k0007")));
                Assert.Equal(Body("k1999", 1), Text(await store.ReadAsync("k1999")));
            }
            await using (var store = await RecordStore.OpenAsync(dir.Path, options))
            {
                for (int i = 0; i < 2000; i++)
                    Assert.Equal(Body($"k{i:D4}", i == 7 ? 2 : 1), Text(await store.ReadAsync($"k{i:D4}")));
                await store.WriteAsync(Record("k2000", 1));
                Assert.Equal(Body("k2000", 1), Text(await store.ReadAsync("k2000")));
            }
        }
        finally
        {
            DirectAppendWriter.RefuseDirectoryForTests = null;
        }
    }
}
