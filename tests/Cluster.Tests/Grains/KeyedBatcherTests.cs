using System.Collections.Concurrent;
using MyNoSql.Grains.Mirror;

namespace MyNoSql.Cluster.Tests.Grains;

/// <summary>
/// <see cref="KeyedBatcher{TKey, TItem, TResult}"/>: what queues while a call is in flight goes out in the next call, in
/// order; a failing target fails only its own items; a quorum over targets completes while a slow target still holds.
/// Gates (TaskCompletionSource), not sleeps, decide what is in flight.
/// </summary>
public sealed class KeyedBatcherTests
{
    /// <summary>A fake target set: records every call; a call to a target waits for that target's gate when one is set.</summary>
    private sealed class Targets
    {
        public readonly ConcurrentQueue<(string Target, int[] Items)> Calls = new();
        public readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new();
        public readonly ConcurrentDictionary<string, TaskCompletionSource> Entered = new();
        public readonly HashSet<string> Failing = [];

        public async Task<int[]> SendAsync(string target, int[] items)
        {
            Calls.Enqueue((target, items));
            Entered.GetOrAdd(target, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            if (Gates.TryGetValue(target, out var gate)) await gate.Task;
            if (Failing.Contains(target)) throw new InvalidOperationException($"{target} is down");
            return [.. items.Select(i => i * 10)];
        }

        public TaskCompletionSource Hold(string target) => Gates[target] = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task EnteredAsync(string target) =>
            Entered.GetOrAdd(target, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task What_queues_during_a_call_goes_out_in_the_next_call_in_order()
    {
        var targets = new Targets();
        var batcher = new KeyedBatcher<string, int, int>(targets.SendAsync);
        var gate = targets.Hold("a");
        var first = batcher.SendAsync("a", 0);
        await targets.EnteredAsync("a");
        var queued = Enumerable.Range(1, 50).Select(i => batcher.SendAsync("a", i)).ToArray();
        Assert.All(queued, t => Assert.False(t.IsCompleted));
        targets.Gates.TryRemove("a", out _);
        gate.SetResult();

        Assert.Equal(0, await first);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => i * 10), await Task.WhenAll(queued));
        var calls = targets.Calls.ToArray();
        Assert.Equal(2, calls.Length);
        Assert.Equal([0], calls[0].Items);
        Assert.Equal(Enumerable.Range(1, 50), calls[1].Items);
        Assert.Equal(0, batcher.ActiveTargets);
    }

    [Fact]
    public async Task A_batch_is_cut_at_the_maximum_size_and_keeps_the_order()
    {
        var targets = new Targets();
        var batcher = new KeyedBatcher<string, int, int>(targets.SendAsync, maxBatch: 7);
        var gate = targets.Hold("a");
        var all = batcher.SendManyAsync("a", [.. Enumerable.Range(0, 30)]);
        await targets.EnteredAsync("a");
        targets.Gates.TryRemove("a", out _);
        gate.SetResult();

        Assert.Equal(Enumerable.Range(0, 30).Select(i => i * 10), await Task.WhenAll(all));
        var calls = targets.Calls.ToArray();
        Assert.All(calls, c => Assert.InRange(c.Items.Length, 1, 7));
        Assert.Equal(Enumerable.Range(0, 30), calls.SelectMany(c => c.Items));
    }

    [Fact]
    public async Task A_failing_target_fails_only_its_own_items_and_recovers()
    {
        var targets = new Targets();
        targets.Failing.Add("down");
        var batcher = new KeyedBatcher<string, int, int>(targets.SendAsync);

        int[] items = [1, 2, 3];
        var good = batcher.SendManyAsync("up", items);
        var bad = batcher.SendManyAsync("down", items);
        int[] expected = [10, 20, 30];
        Assert.Equal(expected, await Task.WhenAll(good));
        foreach (var t in bad) await Assert.ThrowsAsync<InvalidOperationException>(() => t);

        targets.Failing.Remove("down");
        Assert.Equal(40, await batcher.SendAsync("down", 4));
    }

    [Fact]
    public async Task A_quorum_completes_while_one_target_is_still_held()
    {
        // Replicator's use: each record goes to every other silo; a write quorum of 2 of 3 mirrors needs one other silo.
        var targets = new Targets();
        var batcher = new KeyedBatcher<string, int, int>(targets.SendAsync);
        var slow = targets.Hold("slow");
        var records = Enumerable.Range(0, 20).ToArray();
        var toFast = batcher.SendManyAsync("fast", records);
        var toSlow = batcher.SendManyAsync("slow", records);
        var quorum = records.Select(i => Task.WhenAny(toFast[i], toSlow[i])).ToArray();

        await Task.WhenAll(quorum).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(toFast, t => Assert.True(t.IsCompletedSuccessfully));
        Assert.All(toSlow, t => Assert.False(t.IsCompleted));

        slow.SetResult();
        Assert.Equal(records.Select(i => i * 10), await Task.WhenAll(toSlow));
    }

    [Fact]
    public async Task A_wrong_result_count_fails_that_batch()
    {
        var batcher = new KeyedBatcher<string, int, int>((_, items) => Task.FromResult(new int[items.Length + 1]));
        await Assert.ThrowsAsync<InvalidOperationException>(() => batcher.SendAsync("a", 1));
    }
}
