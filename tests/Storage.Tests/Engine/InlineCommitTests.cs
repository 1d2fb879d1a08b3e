using System.Collections.Concurrent;
using MyNoSql.Storage.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

/// <summary>
/// The commit token (<see cref="StoreOptions.InlineCommits"/>): a caller that finds its shard idle commits on its own
/// thread; callers that find a commit running queue and are written together by one sync after it; durability,
/// cancellation, failure and close behave as with the committer thread. Not run beside other tests: a caller commits
/// inline only while no work waits for a thread-pool thread.
/// </summary>
[Collection(nameof(InlineCommitTests))]
public class InlineCommitTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Blocks the first log write until released and fails the writes chosen by <see cref="FailFrom"/>.</summary>
    private sealed class DiskGate : IDisposable
    {
        private int _calls;
        public ManualResetEventSlim Entered { get; } = new();
        public ManualResetEventSlim Release { get; } = new();
        public ConcurrentQueue<int> BatchSizes { get; } = new();
        public int FailFrom { get; init; } = int.MaxValue;  // 1-based write number from which writes fail
        public bool BlockFirst { get; init; } = true;

        public void BeforeWrite(int requests)
        {
            int call = Interlocked.Increment(ref _calls);
            BatchSizes.Enqueue(requests);
            if (call == 1 && BlockFirst)
            {
                Entered.Set();
                if (!Release.Wait(Timeout)) throw new TimeoutException("the test never released the first write");
            }
            if (call >= FailFrom) throw new IOException("simulated disk failure");
        }

        public void Dispose()
        {
            Entered.Dispose();
            Release.Dispose();
        }
    }

    private static Task<RecordStore> OpenAsync(TempDirectory dir, bool dedicated, DiskGate? gate = null) =>
        RecordStore.OpenAsync(dir.Path, Small(shards: 1, logThreshold: 64 << 20, dedicatedThreads: dedicated, inlineCommits: true,
            beforeLogWrite: gate is null ? null : gate.BeforeWrite)).AsTask();

    /// <summary>Starts a write on another thread that commits inline and blocks in the gate; returns once it holds the token.</summary>
    private static Task StartBlockedWrite(RecordStore store, DiskGate gate, string key)
    {
        var write = Task.Run(async () => await store.WriteAsync(Record(key, 1)));
        Assert.True(gate.Entered.Wait(Timeout), "the first write never reached the disk");
        return write;
    }

    [Fact]
    public async Task LoneWriter_CommitsOnItsOwnThread_OneSyncEach()
    {
        using var dir = new TempDirectory();
        await using var store = await OpenAsync(dir, dedicated: true);
        int completedInCall = 0;
        for (int i = 0; i < 20; i++)
        {
            // A caller commits inline only while no work waits for a pool thread; work left behind by earlier tests in
            // this process can still be queued, so wait for the pool to drain first.
            SpinWait.SpinUntil(() => ThreadPool.PendingWorkItemCount == 0, TimeSpan.FromSeconds(5));
            var write = store.WriteAsync(Record($"k{i}", 1));
            // Durable before the call returns: no thread hop before or after the sync.
            if (write.IsCompletedSuccessfully) completedInCall++;
            await write;
        }
        var shard = store.Shards[0];
        Assert.Equal(20, shard.SyncCount);
        // Every inline commit completed its caller's write before the call returned, and (pool idle) nearly all were.
        Assert.True(completedInCall >= shard.InlineCommitCount, $"{shard.InlineCommitCount} inline commits, {completedInCall} writes done in the call");
        Assert.True(shard.InlineCommitCount >= 15, $"only {shard.InlineCommitCount} of 20 lone writes committed on the caller's thread");
        Assert.Equal(20, store.GetStatistics().Keys);
    }

    [Fact]
    public async Task WithoutInlineCommits_TheCommitterWrites()
    {
        using var dir = new TempDirectory();
        await using var store = await RecordStore.OpenAsync(dir.Path, Small(shards: 1, logThreshold: 64 << 20));
        for (int i = 0; i < 5; i++) await store.WriteAsync(Record($"k{i}", 1));
        Assert.Equal(0, store.Shards[0].InlineCommitCount);
        Assert.Equal(5, store.Shards[0].SyncCount);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ManyCallers_ShareSyncs_AndEveryWriteIsDurable(bool dedicated)
    {
        using var dir = new TempDirectory();
        const int writers = 16, each = 40;
        await using (var store = await OpenAsync(dir, dedicated))
        {
            using var start = new SemaphoreSlim(0);
            var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                await start.WaitAsync();
                for (int i = 0; i < each; i++) await store.WriteAsync(Record($"w{w}/{i}", i));
            })).ToArray();
            start.Release(writers);
            await Task.WhenAll(tasks);
            var stats = store.GetStatistics();
            Assert.Equal(writers * each, stats.Keys);
            Assert.True(stats.Syncs < writers * each / 3, $"{stats.Syncs} syncs for {writers * each} writes, {store.Shards[0].InlineCommitCount} inline");
        }
        await using var reopened = await OpenAsync(dir, dedicated);
        for (int w = 0; w < writers; w++)
            for (int i = 0; i < each; i++)
                Assert.Equal(Body($"w{w}/{i}", i), Text(await reopened.ReadAsync($"w{w}/{i}")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CallersQueuedBehindACommit_AreWrittenTogether_WithOneSync(bool dedicated)
    {
        using var dir = new TempDirectory();
        using var gate = new DiskGate();
        await using var store = await OpenAsync(dir, dedicated, gate);
        var first = StartBlockedWrite(store, gate, "first");
        var queued = Enumerable.Range(0, 10).Select(i => store.WriteAsync(Record($"q{i}", 1)).AsTask()).ToArray();
        // The token is held: nothing of the queued writes is acknowledged before a sync covers it.
        Assert.All(queued, t => Assert.False(t.IsCompleted));
        Assert.False(first.IsCompleted);
        gate.Release.Set();
        await first.WaitAsync(Timeout);
        await Task.WhenAll(queued).WaitAsync(Timeout);
        Assert.Equal([1, 10], gate.BatchSizes.ToArray());
        Assert.Equal(2, store.Shards[0].SyncCount);
        Assert.Equal(1, store.Shards[0].InlineCommitCount);
        Assert.Equal(11, store.GetStatistics().Keys);
    }

    [Fact]
    public async Task CancelledBeforeQueueing_WritesNothing()
    {
        using var dir = new TempDirectory();
        await using var store = await OpenAsync(dir, dedicated: true);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.WriteAsync(Record("k", 1), cts.Token));
        Assert.Equal(0, store.Shards[0].SyncCount);
        Assert.Null(await store.ReadAsync("k"));
    }

    [Fact]
    public async Task CancelledAfterQueueing_StillCompletesDurably()
    {
        using var dir = new TempDirectory();
        using var gate = new DiskGate();
        await using var store = await OpenAsync(dir, dedicated: false, gate);
        var first = StartBlockedWrite(store, gate, "first");
        using var cts = new CancellationTokenSource();
        var queued = store.WriteAsync(Record("late", 1), cts.Token).AsTask();
        await cts.CancelAsync();
        gate.Release.Set();
        // A queued frame cannot be taken back: the write completes (and is acknowledged) as durable.
        await queued.WaitAsync(Timeout);
        await first.WaitAsync(Timeout);
        Assert.Equal(Body("late", 1), Text(await store.ReadAsync("late")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task IoFailure_FailsEveryQueuedWaiter_AndStopsTheShard(bool dedicated)
    {
        using var dir = new TempDirectory();
        using var gate = new DiskGate { FailFrom = 2 };
        await using var store = await OpenAsync(dir, dedicated, gate);
        var first = StartBlockedWrite(store, gate, "first");
        var queued = Enumerable.Range(0, 10).Select(i => store.WriteAsync(Record($"q{i}", 1)).AsTask()).ToArray();
        gate.Release.Set();
        await first.WaitAsync(Timeout);
        foreach (var t in queued) await Assert.ThrowsAsync<IOException>(() => t.WaitAsync(Timeout));
        Assert.All(Enumerable.Range(0, 10), i => Assert.False(store.TryGetHeader($"q{i}", out _)));
        // The log's tail is unknown now: later writes are refused rather than risk a gap.
        await Assert.ThrowsAsync<IOException>(async () => await store.WriteAsync(Record("after", 1)));
        Assert.Equal(Body("first", 1), Text(await store.ReadAsync("first")));
    }

    [Fact]
    public async Task IoFailure_OfAnInlineCommit_FailsThatCaller()
    {
        using var dir = new TempDirectory();
        using var gate = new DiskGate { BlockFirst = false, FailFrom = 1 };
        await using var store = await OpenAsync(dir, dedicated: true, gate);
        var write = store.WriteAsync(Record("k", 1));
        Assert.True(write.IsFaulted);
        await Assert.ThrowsAsync<IOException>(async () => await write);
        Assert.False(store.TryGetHeader("k", out _));
        Assert.Equal(0, store.Shards[0].SyncCount);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Close_CommitsWhatWasQueued(bool dedicated)
    {
        using var dir = new TempDirectory();
        using var gate = new DiskGate();
        var store = await OpenAsync(dir, dedicated, gate);
        var first = StartBlockedWrite(store, gate, "first");
        var queued = Enumerable.Range(0, 10).Select(i => store.WriteAsync(Record($"q{i}", 1)).AsTask()).ToArray();
        var close = store.DisposeAsync().AsTask();
        Assert.False(close.IsCompleted);
        gate.Release.Set();
        await first.WaitAsync(Timeout);
        await Task.WhenAll(queued).WaitAsync(Timeout);
        await close.WaitAsync(Timeout);
        await using var reopened = await OpenAsync(dir, dedicated);
        Assert.Equal(11, reopened.GetStatistics().Keys);
        for (int i = 0; i < 10; i++) Assert.Equal(Body($"q{i}", 1), Text(await reopened.ReadAsync($"q{i}")));
    }
}

[CollectionDefinition(nameof(InlineCommitTests), DisableParallelization = true)]
public sealed class InlineCommitCollection;
