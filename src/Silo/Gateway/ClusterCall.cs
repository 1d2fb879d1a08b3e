using Microsoft.Extensions.Options;
using MyNoSql.Grains.Sync;
using MyNoSql.Silo.Configuration;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// Grain calls that ride out the loss of a mirror. Until the cluster declares a killed silo dead (or its restart
/// supersedes it), calls to grains activated on it, or registered in its share of the grain directory, fail as
/// unavailable; afterwards the same grains activate on a live silo. So a call that failed that way is retried with
/// backoff for up to <see cref="MirrorOptions.UnavailableRetrySeconds"/>, and only then does the client get its 503
/// (the loop is <see cref="UnavailableRetryPolicy"/>, which the sync service takes as well). That limit counts from
/// the first attempt and bounds the whole answer: a call to a hung mirror neither fails nor answers for up to Orleans'
/// 30 s response timeout, so an attempt still unanswered when the limit runs out is abandoned and the client gets its
/// 503 then (a write abandoned that way may still be applied).
/// A retried call must be safe to repeat: reads and sync accepts are; saves and deletes go through
/// <see cref="RetriedWrites"/>, which recognise an earlier attempt that was applied before its answer was lost.
/// </summary>
internal static class ClusterCall
{
    /// <param name="context">The request: its options, its logger and its abort token.</param>
    /// <param name="call">The call; its argument is true when an earlier attempt failed (and may have been applied).</param>
    public static Task<T> RetryAsync<T>(HttpContext context, Func<bool, Task<T>> call)
    {
        var limit = TimeSpan.FromSeconds(context.RequestServices.GetRequiredService<IOptions<MirrorOptions>>().Value.UnavailableRetrySeconds);
        return new UnavailableRetryPolicy(limit, Logger(context), $"{context.Request.Method} {context.Request.Path}", bounded: true).RunAsync(call, context.RequestAborted);
    }

    /// <inheritdoc cref="RetryAsync{T}(HttpContext, Func{bool, Task{T}})"/>
    public static Task<T> RetryAsync<T>(HttpContext context, Func<Task<T>> call) => RetryAsync(context, _ => call());

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClusterCall).FullName!);
}
