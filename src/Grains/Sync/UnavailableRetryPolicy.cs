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
internal sealed partial class UnavailableRetryPolicy(TimeSpan limit, ILogger logger, string operation) : ICallRetryPolicy
{
    /// <summary>The limit where no configuration gives one (the sync grain): the gateway's default.</summary>
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(25);

    /// <summary>True for failures that mean "the cluster cannot serve it now" (503 <c>unavailable</c> at the gateway).</summary>
    public static bool IsUnavailable(Exception e) =>
        e is TimeoutException or SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException;

    public async Task<T> RunAsync<T>(Func<bool, Task<T>> call, CancellationToken cancellationToken)
    {
        Stopwatch? clock = null;
        var delay = TimeSpan.FromMilliseconds(50);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                var result = await call(attempt > 0);
                if (clock is not null) LogRecovered(logger, operation, attempt, clock.Elapsed.TotalSeconds);
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

    [LoggerMessage(EventId = 2700, Level = LogLevel.Information, Message = "{Operation}: the cluster did not answer ({Error}: {Reason}); retrying while it fails over")]
    private static partial void LogRetrying(ILogger logger, string operation, string error, string reason);

    [LoggerMessage(EventId = 2701, Level = LogLevel.Information, Message = "{Operation}: answered after {Retries} retries in {Seconds:F1} s")]
    private static partial void LogRecovered(ILogger logger, string operation, int retries, double seconds);
}
