namespace MyNoSql.Grains.Mirror;

/// <summary>
/// Coalesces calls per target (a silo, a grain): at most <c>maxInFlight</c> calls per target are in flight, and the next
/// call carries everything that queued for that target meanwhile (up to <c>maxBatch</c> items), in enqueue order. So a
/// lone item goes out at once (no timer, no added latency), and under load the number of messages follows the round trip,
/// not the number of items. Items reach a target in enqueue order when <c>maxInFlight</c> is 1 (the default; with more,
/// calls to one target may overlap). Thread-safe; targets are independent (a slow or failing target delays only its own
/// items).
/// </summary>
/// <remarks>
/// <c>send</c> gets the target and the items and returns one result per item, in order. When it throws (or returns a
/// wrong count), every item of that call fails with the exception; the queue carries on with the next call. The batcher
/// never runs <c>send</c> on the caller's scheduler (an Orleans grain's), so a batch started by one grain does not carry
/// that grain's context into the calls it makes for the others.
/// </remarks>
internal sealed class KeyedBatcher<TKey, TItem, TResult> where TKey : notnull
{
    private readonly Func<TKey, TItem[], Task<TResult[]>> _send;
    private readonly int _maxBatch;
    private readonly int _maxInFlight;
    private readonly Dictionary<TKey, Target> _targets = [];
    private readonly Lock _gate = new();

    /// <param name="send">Sends one batch to a target; one result per item, in order.</param>
    /// <param name="maxBatch">Most items in one call.</param>
    /// <param name="maxInFlight">Most calls in flight per target.</param>
    public KeyedBatcher(Func<TKey, TItem[], Task<TResult[]>> send, int maxBatch = 512, int maxInFlight = 1)
    {
        ArgumentNullException.ThrowIfNull(send);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        _send = send;
        _maxBatch = maxBatch;
        _maxInFlight = maxInFlight;
    }

    /// <summary>Targets with items queued or in flight (for tests).</summary>
    internal int ActiveTargets
    {
        get { lock (_gate) return _targets.Count; }
    }

    /// <summary>Sends <paramref name="item"/> to <paramref name="target"/> in the next call; completes with its result.</summary>
    public Task<TResult> SendAsync(TKey target, TItem item)
    {
        var pending = new Pending(item);
        Enqueue(target, [pending]);
        return pending.Completion.Task;
    }

    /// <summary>Sends every item to <paramref name="target"/> (in order, possibly over several calls); one task per item.</summary>
    public Task<TResult>[] SendManyAsync(TKey target, IReadOnlyList<TItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var pending = new Pending[items.Count];
        for (int i = 0; i < pending.Length; i++) pending[i] = new Pending(items[i]);
        if (pending.Length > 0) Enqueue(target, pending);
        return [.. pending.Select(p => p.Completion.Task)];
    }

    private void Enqueue(TKey key, Pending[] items)
    {
        int start;
        Target target;
        lock (_gate)
        {
            if (!_targets.TryGetValue(key, out target!)) _targets[key] = target = new Target();
            foreach (var item in items) target.Queue.Enqueue(item);
            // One pump per free in-flight slot while items wait beyond what the running pumps will take.
            start = Math.Min(_maxInFlight - target.Running, (target.Queue.Count + _maxBatch - 1) / _maxBatch);
            target.Running += Math.Max(0, start);
        }
        for (int i = 0; i < start; i++) _ = Task.Run(() => PumpAsync(key, target));
    }

    private async Task PumpAsync(TKey key, Target target)
    {
        while (true)
        {
            Pending[] batch;
            lock (_gate)
            {
                if (target.Queue.Count == 0)
                {
                    if (--target.Running == 0) _targets.Remove(key);
                    return;
                }
                batch = new Pending[Math.Min(_maxBatch, target.Queue.Count)];
                for (int i = 0; i < batch.Length; i++) batch[i] = target.Queue.Dequeue();
            }
            try
            {
                var results = await _send(key, [.. batch.Select(p => p.Item)]).ConfigureAwait(false);
                if (results is null || results.Length != batch.Length)
                    throw new InvalidOperationException($"A batch of {batch.Length} items got {results?.Length ?? 0} results.");
                for (int i = 0; i < batch.Length; i++) batch[i].Completion.TrySetResult(results[i]);
            }
            catch (Exception e)
            {
                foreach (var p in batch) p.Completion.TrySetException(e);
            }
        }
    }

    private sealed class Target
    {
        public readonly Queue<Pending> Queue = new();
        public int Running;
    }

    private sealed class Pending(TItem item)
    {
        public readonly TItem Item = item;
        public readonly TaskCompletionSource<TResult> Completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
