using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace MyNoSql.Grains.Sync;

/// <summary>
/// Grain calls that ride out the loss of a mirror. Until the cluster declares a killed silo dead (or its restart
/// supersedes it), calls to grains activated on it, or registered in its share of the grain directory, fail as
/// unavailable; afterwards the same grains activate on a live silo. So a call that failed that way is retried with
/// backoff (50 ms doubling to 1 s) for up to <paramref name="limit"/>; then the failure goes to the caller. A retried
/// call must be safe to repeat: reads and accepts of replicated leaves are. No ConfigureAwait(false): the sync grain
/// runs it, and its continuations must stay on the grain scheduler.
/// </summary>
/// <param name="limit">How long to keep retrying (the gateway: <c>--unavailable-retry-seconds</c>).</param>
/// <param name="logger">Where retries and recoveries are logged.</param>
/// <param name="operation">What is being done, for the log (e.g. <c>"POST /db/x/sync/push"</c>).</param>
/// <param name="bounded">
/// True for a request that someone waits on (the gateway's routes): <paramref name="limit"/> counts from the first
/// attempt and bounds the whole answer. A call to a hung mirror (SIGSTOP, a frozen VM) neither fails nor answers until
/// Orleans' response timeout (30 s) or the mirror is declared dead, so an attempt still unanswered when the limit runs
/// out (or <see cref="MinimumWait"/>, whichever is later) is abandoned with a <see cref="TimeoutException"/>; it may
/// still complete, and a write may still be applied. False (the sync grain): only the retries after the first failure
/// are bounded, and an attempt always runs to its end (started merges finish).
/// </param>
internal sealed partial class UnavailableRetryPolicy(TimeSpan limit, ILogger logger, string operation, bool bounded = false) : ICallRetryPolicy
{
    /// <summary>The limit where no configuration gives one (the sync grain): the gateway's default.</summary>
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(25);

    /// <summary>
    /// The least a bounded call waits for an answer, whatever the limit: a short limit (or 0, "no retries") is about not
    /// waiting out a failover, not about cutting off a busy but healthy cluster mid-answer.
    /// </summary>
    public static readonly TimeSpan MinimumWait = TimeSpan.FromSeconds(5);

    /// <summary>True for failures that mean "the cluster cannot serve it now" (503 <c>unavailable</c> at the gateway).</summary>
    public static bool IsUnavailable(Exception e) =>
        e is TimeoutException or SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException;

    public async Task<T> RunAsync<T>(Func<bool, Task<T>> call, CancellationToken cancellationToken)
    {
        Stopwatch? clock = bounded ? Stopwatch.StartNew() : null;
        var answerWithin = limit > MinimumWait ? limit : MinimumWait;
        var delay = TimeSpan.FromMilliseconds(50);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                var pending = call(attempt > 0);
                // Only a bounded policy abandons an attempt: the unbounded one's clock starts at the first failure, and its
                // retried attempts still run to their end.
                var result = bounded ? await WithinAsync(pending, answerWithin, clock!, cancellationToken) : await pending;
                if (attempt > 0) LogRecovered(logger, operation, attempt, clock!.Elapsed.TotalSeconds);
                return result;
            }
            catch (Exception e) when (IsUnavailable(e) && !cancellationToken.IsCancellationRequested
                && (clock ??= Stopwatch.StartNew()).Elapsed + delay < limit)
            {
                if (attempt == 0) LogRetrying(logger, operation, e.GetType().Name, e.Message);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.TicksPerSecond));
            }
        }
    }

    /// <summary>The answer of <paramref name="pending"/> if it comes before <paramref name="answerWithin"/> has passed on <paramref name="clock"/>.</summary>
    private async Task<T> WithinAsync<T>(Task<T> pending, TimeSpan answerWithin, Stopwatch clock, CancellationToken cancellationToken)
    {
        var left = answerWithin - clock.Elapsed;
        try
        {
            return await pending.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken);
        }
        catch (Exception e) when (!pending.IsCompleted && e is TimeoutException or OperationCanceledException)
        {
            // Abandoned, not cancelled: its failure, when it comes, is observed here rather than left to the finalizer.
            _ = pending.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            if (e is OperationCanceledException) throw;
            LogAbandoned(logger, operation, clock.Elapsed.TotalSeconds);
            throw new TimeoutException($"{operation}: the cluster did not answer within {answerWithin.TotalSeconds:0.#} s " +
                "(a mirror is hung or being failed over); the call may still complete.");
        }
    }

    [LoggerMessage(EventId = 2700, Level = LogLevel.Information, Message = "{Operation}: the cluster did not answer ({Error}: {Reason}); retrying while it fails over")]
    private static partial void LogRetrying(ILogger logger, string operation, string error, string reason);

    [LoggerMessage(EventId = 2701, Level = LogLevel.Information, Message = "{Operation}: answered after {Retries} retries in {Seconds:F1} s")]
    private static partial void LogRecovered(ILogger logger, string operation, int retries, double seconds);

    [LoggerMessage(EventId = 2702, Level = LogLevel.Warning, Message = "{Operation}: no answer after {Seconds:F1} s, the retry limit; the call is abandoned (it may still complete)")]
    private static partial void LogAbandoned(ILogger logger, string operation, double seconds);
}
