using MyNoSql.Storage.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

/// <summary>
/// The background compactor seals on a thread of lower OS priority (issue 14, third pass: the seal after a reopen took
/// a core from the reads right after it).
/// </summary>
public class BackgroundPriorityTests
{
    /// <summary>Nice value of thread <paramref name="tid"/> of this process, from /proc (field 19 of stat).</summary>
    private static int NiceOf(int tid)
    {
        string stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture); // field 19 = index 16 after "pid (comm)"
    }

    private static int Expected(int nice) => Math.Max(nice, BackgroundWorker.CurrentNice());

    [Fact]
    public async Task Work_runs_in_order_on_one_thread_with_the_raised_nice_value()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var worker = new BackgroundWorker(7, "test worker");
        var seen = new List<(int Thread, int Nice)>();
        for (int i = 0; i < 3; i++)
            await worker.RunAsync(() => seen.Add((Environment.CurrentManagedThreadId, BackgroundWorker.CurrentNice())), CancellationToken.None);
        Assert.Equal(3, seen.Count);
        Assert.Single(seen.Select(s => s.Thread).Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, seen[0].Thread);
        Assert.All(seen, s => Assert.Equal(Expected(7), s.Nice));
        Assert.Equal(Expected(7), NiceOf(worker.OsThreadId));
    }

    [Fact]
    public async Task A_failing_work_item_faults_its_task_and_the_worker_goes_on()
    {
        using var worker = new BackgroundWorker(3, "test worker");
        await Assert.ThrowsAsync<InvalidOperationException>(() => worker.RunAsync(() => throw new InvalidOperationException("x"), CancellationToken.None));
        int ran = 0;
        await worker.RunAsync(() => ran++, CancellationToken.None);
        Assert.Equal(1, ran);
        worker.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => worker.RunAsync(() => { }, CancellationToken.None));
    }

    [Fact]
    public async Task The_seal_after_open_runs_on_the_low_priority_compactor_thread()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var dir = new TempDirectory();
        var load = Small(shards: 2, logThreshold: 64L << 20, sealOnClose: false);
        await using (var store = await RecordStore.OpenAsync(dir.Path, load))
            await store.WriteBatchAsync(Enumerable.Range(0, 1000).Select(i => Record($"doc/{i:D5}", 1)).ToList());
        Assert.Empty(Files(dir.Path, "*.lzs"));

        var reopen = new StoreOptions
        {
            ShardCount = 2, BackgroundCompaction = true, SealAfterOpenBytes = 16 << 10, BackgroundNice = 9,
            BlockSize = 4096, LzmaFastBytes = 16, BlockCacheBytes = 1 << 20,
        };
        await using (var store = await RecordStore.OpenAsync(dir.Path, reopen))
        {
            await store.SealedAfterOpen;
            Assert.Equal(2, Files(dir.Path, "*.lzs").Length);
            int tid = store.CompactorThread.OsThreadId;
            Assert.NotEqual(0, tid);
            Assert.Equal(Expected(9), NiceOf(tid));
            for (int i = 0; i < 1000; i += 13) Assert.Equal(Body($"doc/{i:D5}", 1), Text(await store.ReadAsync($"doc/{i:D5}")));
        }
    }
}
