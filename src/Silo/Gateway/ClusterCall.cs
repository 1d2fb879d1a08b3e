using System.Diagnostics;
using Microsoft.Extensions.Options;
using MyNoSql.Silo.Configuration;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// Grain calls that ride out the loss of a mirror. Until the cluster declares a killed silo dead (or its restart
/// supersedes it), calls to grains activated on it, or registered in its share of the grain directory, fail as
/// unavailable; afterwards the same grains activate on a live silo. So a call that failed that way is retried with
/// backoff for up to <see cref="MirrorOptions.UnavailableRetrySeconds"/>, and only then does the client get its 503.
/// A retried call must be safe to repeat: reads and sync accepts are; saves and deletes go through
/// <see cref="RetriedWrites"/>, which recognise an earlier attempt that was applied before its answer was lost.
/// </summary>
internal static partial class ClusterCall
{
    /// <param name="context">The request: its options, its logger and its abort token.</param>
    /// <param name="call">The call; its argument is true when an earlier attempt failed (and may have been applied).</param>
    public static async Task<T> RetryAsync<T>(HttpContext context, Func<bool, Task<T>> call)
    {
        var limit = TimeSpan.FromSeconds(context.RequestServices.GetRequiredService<IOptions<MirrorOptions>>().Value.UnavailableRetrySeconds);
        Stopwatch? clock = null;
        var delay = TimeSpan.FromMilliseconds(50);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                var result = await call(attempt > 0).ConfigureAwait(false);
                if (clock is not null) LogRecovered(Logger(context), context.Request.Method, context.Request.Path, attempt, clock.Elapsed.TotalSeconds);
                return result;
            }
            catch (Exception e) when (ErrorHandlingMiddleware.IsUnavailable(e) && !context.RequestAborted.IsCancellationRequested
                && (clock ??= Stopwatch.StartNew()).Elapsed + delay < limit)
            {
                if (attempt == 0) LogRetrying(Logger(context), context.Request.Method, context.Request.Path, e.GetType().Name, e.Message);
                await Task.Delay(delay, context.RequestAborted).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.TicksPerSecond));
            }
        }
    }

    /// <inheritdoc cref="RetryAsync{T}(HttpContext, Func{bool, Task{T}})"/>
    public static Task<T> RetryAsync<T>(HttpContext context, Func<Task<T>> call) => RetryAsync(context, _ => call());

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClusterCall).FullName!);

    [LoggerMessage(EventId = 3050, Level = LogLevel.Information, Message = "{Method} {Path}: the cluster did not answer ({Error}: {Reason}); retrying while it fails over")]
    private static partial void LogRetrying(ILogger logger, string method, string path, string error, string reason);

    [LoggerMessage(EventId = 3051, Level = LogLevel.Information, Message = "{Method} {Path}: answered after {Retries} retries in {Seconds:F1} s")]
    private static partial void LogRecovered(ILogger logger, string method, string path, int retries, double seconds);
}
