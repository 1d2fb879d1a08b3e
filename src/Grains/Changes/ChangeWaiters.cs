using Microsoft.Extensions.Logging;

namespace MyNoSql.Grains.Changes;

/// <summary>
/// A silo's waits for database changes (the gateway's longpoll and eventsource feeds): ONE waiting call per database
/// with subscribers on this silo to its <see cref="IChangeNotifierGrain"/>, fanned out locally, so N subscribers cost one
/// pending grain call, not N × 64 segment polls. Thread-safe; used outside grain code.
/// </summary>
internal sealed partial class ChangeWaiters(IGrainFactory grains, ILogger<ChangeWaiters> logger)
{
    /// <summary>Longest single wait on the notifier (well under the Orleans response timeout).</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(15);

    private readonly Dictionary<string, Waiter> _waiters = new(StringComparer.Ordinal);

    /// <summary>
    /// Subscribes to changes of <paramref name="database"/>. Returns once the silo's waiter knows the notifier's
    /// version, so any change recorded after this returns wakes the subscription: take
    /// <see cref="Subscription.Generation"/>, look for changes, then <see cref="Subscription.WaitAsync"/> with it.
    /// </summary>
    public async Task<Subscription> SubscribeAsync(string database, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_waiters)
        {
            if (!_waiters.TryGetValue(database, out waiter!))
            {
                waiter = new Waiter(this, database);
                _waiters[database] = waiter;
                waiter.Start();
            }
            waiter.Subscribers++;
        }
        var subscription = new Subscription(this, waiter);
        try
        {
            await waiter.Armed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            subscription.Dispose();
            throw;
        }
        return subscription;
    }

    private void Release(Waiter waiter)
    {
        lock (_waiters)
        {
            if (--waiter.Subscribers > 0) return;
            _waiters.Remove(waiter.Database);
        }
        waiter.Stop();
    }

    /// <summary>One subscriber's view of its database's waiter; dispose when the feed ends.</summary>
    internal sealed class Subscription : IDisposable
    {
        private readonly ChangeWaiters _owner;
        private readonly Waiter _waiter;
        private int _disposed;

        internal Subscription(ChangeWaiters owner, Waiter waiter)
        {
            _owner = owner;
            _waiter = waiter;
        }

        /// <summary>Moves at every wake-up; read it before looking for changes.</summary>
        public long Generation => _waiter.Generation;

        /// <summary>Waits until <see cref="Generation"/> moves past <paramref name="generation"/> (true) or the timeout (false).</summary>
        public async Task<bool> WaitAsync(long generation, TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (timeout <= TimeSpan.Zero) return _waiter.Generation != generation;
            try
            {
                await _waiter.After(generation).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) _owner.Release(_waiter);
        }
    }

    /// <summary>The loop of one database: waits on the notifier, bumps <see cref="Generation"/> and wakes subscribers.</summary>
    internal sealed class Waiter(ChangeWaiters owner, string database)
    {
        private readonly CancellationTokenSource _stop = new();
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _generation;

        public string Database => database;

        /// <summary>Guarded by the owner's lock.</summary>
        public int Subscribers { get; set; }

        /// <summary>Completes once the notifier's version is known (or could not be learnt: subscribers then rely on their timeouts and on the retries' wake-ups).</summary>
        public TaskCompletionSource Armed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Generation => Volatile.Read(ref _generation);

        /// <summary>Completes when the generation moves past <paramref name="generation"/> (at once if it already has).</summary>
        public Task After(long generation)
        {
            // Read the completion first: a wake-up bumps the generation before it completes the completion it replaces.
            var next = Volatile.Read(ref _next).Task;
            return Generation != generation ? Task.CompletedTask : next;
        }

        public void Start() => _ = Task.Run(RunAsync);

        public void Stop()
        {
            _stop.Cancel();
            Wake();
        }

        private void Wake()
        {
            Interlocked.Increment(ref _generation);
            Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        private async Task RunAsync()
        {
            var notifier = owner._grains.GetGrain<IChangeNotifierGrain>(database);
            long known = 0; // never a version: the first call answers at once with the current one
            var backoff = TimeSpan.FromMilliseconds(50);
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        long version = await notifier.WaitForChange(known, MaxWait, _stop.Token).ConfigureAwait(false);
                        backoff = TimeSpan.FromMilliseconds(50);
                        if (!Armed.Task.IsCompleted)
                        {
                            known = version;
                            Armed.TrySetResult();
                            continue;
                        }
                        if (version == known) continue;
                        known = version;
                        Wake();
                    }
                    catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception e)
                    {
                        // A change may have gone unseen meanwhile: subscribers look again (a re-check costs one changes page).
                        owner.LogWaitFailed(e, database);
                        Armed.TrySetResult();
                        Wake();
                        await Task.Delay(backoff, _stop.Token).ConfigureAwait(false);
                        backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.TicksPerSecond));
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
            finally
            {
                // _stop is not disposed: Stop may still be cancelling it (it owns no timer, so nothing leaks).
                Armed.TrySetResult();
            }
        }
    }

    private readonly IGrainFactory _grains = grains;

    [LoggerMessage(EventId = 2080, Level = LogLevel.Warning, Message = "Waiting for changes of database '{Database}' failed; subscribers re-check")]
    private partial void LogWaitFailed(Exception error, string database);
}
