using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MyNoSql.Grains.Sync;
using MyNoSql.Silo.Configuration;
using MyNoSql.Silo.Gateway;
using Orleans.Runtime;

namespace MyNoSql.Cluster.Tests.Gateway;

/// <summary>
/// <c>--unavailable-retry-seconds</c> bounds the whole answer, counted from the first attempt: a grain call to a hung
/// mirror neither fails nor answers (until Orleans' 30 s response timeout), and the gateway must not wait it out.
/// The calls are injected; the hung mirror itself is in <see cref="Http.HungMirrorTests"/>.
/// </summary>
public sealed class ClusterCallLimitTests
{
    private static DefaultHttpContext Request(double retrySeconds)
    {
        var services = new ServiceCollection().AddLogging().Configure<MirrorOptions>(o => o.UnavailableRetrySeconds = retrySeconds);
        return new DefaultHttpContext { RequestServices = services.BuildServiceProvider() };
    }

    [Theory]
    [InlineData(0)] // no retries, and still no 30 s wait: a hung call gets the minimum wait
    [InlineData(1)]
    [InlineData(6)]
    public async Task A_call_that_never_answers_is_given_up_when_the_limit_runs_out(double seconds)
    {
        int attempts = 0;
        var never = new TaskCompletionSource<int>();
        var clock = Stopwatch.StartNew();
        // Two fast failures (the failover has begun), then an attempt that reaches the hung mirror.
        var answer = ClusterCall.RetryAsync(Request(seconds), _ =>
            ++attempts < 3 && seconds > 0 ? Task.FromException<int>(new SiloUnavailableException()) : never.Task);

        var e = await Assert.ThrowsAnyAsync<Exception>(() => answer.WaitAsync(TimeSpan.FromSeconds(20)));
        var within = Math.Max(seconds, UnavailableRetryPolicy.MinimumWait.TotalSeconds);
        Assert.True(clock.Elapsed.TotalSeconds < within + 2, $"answered after {clock.Elapsed.TotalSeconds:F1} s; the limit was {seconds} s");
        Assert.True(clock.Elapsed.TotalSeconds > within - 0.5, $"gave up after {clock.Elapsed.TotalSeconds:F1} s, before {within} s");
        Assert.True(Silo.Gateway.ErrorHandlingMiddleware.IsUnavailable(e), $"{e.GetType().Name}: the client must get 503 unavailable");
        Assert.Contains("may still complete", e.Message, StringComparison.Ordinal);
        Assert.Equal(seconds > 0 ? 3 : 1, attempts);
    }

    [Fact]
    public async Task The_sync_services_unbounded_policy_lets_a_retried_attempt_run_to_its_end()
    {
        int attempts = 0;
        var policy = new UnavailableRetryPolicy(TimeSpan.FromSeconds(1), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, "test");
        // A failure starts the retries; the retried attempt (a batch accept) takes longer than the minimum wait.
        int answer = await policy.RunAsync(async _ =>
        {
            if (++attempts == 1) throw new SiloUnavailableException();
            await Task.Delay(UnavailableRetryPolicy.MinimumWait + TimeSpan.FromSeconds(1));
            return 42;
        }, CancellationToken.None);
        Assert.Equal(42, answer);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task A_call_that_answers_within_the_limit_gets_its_answer()
    {
        var clock = Stopwatch.StartNew();
        int answer = await ClusterCall.RetryAsync(Request(1), async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2)); // slower than the limit, within the minimum wait
            return 42;
        });
        Assert.Equal(42, answer);
        Assert.True(clock.Elapsed < UnavailableRetryPolicy.MinimumWait);
    }
}
