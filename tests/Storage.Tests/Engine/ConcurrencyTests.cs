using MyNoSql.Storage.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

public class ConcurrencyTests
{
    [Fact]
    public async Task ManyWritersAndReaders_WithBackgroundCompaction_KeepEveryLastValue()
    {
        using var dir = new TempDirectory();
        var options = Small(shards: 2, background: true, logThreshold: 24 << 10, blockSize: 2048, cacheBytes: 32 << 10);
        const int tasks = 32, rounds = 30;
        var last = new int[tasks * 4];
        await using (var store = await RecordStore.OpenAsync(dir.Path, options))
        {
            // Each task owns 4 keys (callers serialise per key) and also reads everyone's keys.
            var work = Enumerable.Range(0, tasks).Select(t => Task.Run(async () =>
            {
                var random = new Random(t);
                for (int v = 1; v <= rounds; v++)
                {
                    int own = t * 4 + random.Next(4);
                    await store.WriteAsync(Record($"key/{own:D3}", v, v % 3 == 0 ? RecordFlags.Pending : RecordFlags.None));
                    last[own] = v;
                    var other = await store.ReadAsync($"key/{random.Next(tasks * 4):D3}");
                    if (other is not null) Assert.StartsWith("{\"key\":\"key/", Text(other));
                    var mine = await store.ReadAsync($"key/{own:D3}");
                    Assert.Equal(Body($"key/{own:D3}", v), Text(mine)); // read-your-write while compaction moves it
                    if (v % 10 == 0) await store.ClearPendingAsync([($"key/{own:D3}", Rev(v))]);
                }
            })).ToArray();
            await Task.WhenAll(work);
            await WaitUntilAsync(() => store.GetStatistics().Seals > 0, "a background seal");
            Assert.Null(store.GetStatistics().LastCompactionError);
        }
        await using (var store = await RecordStore.OpenAsync(dir.Path, options))
        {
            for (int k = 0; k < last.Length; k++)
            {
                var record = await store.ReadAsync($"key/{k:D3}");
                if (last[k] == 0) Assert.Null(record);
                else Assert.Equal(Body($"key/{k:D3}", last[k]), Text(record));
            }
            Assert.Equal(last.Count(v => v % 3 == 0 && v % 10 != 0 && v != 0), store.PendingCount);
        }
    }
}
