using System.Diagnostics;

namespace MyNoSql.ClusterBench;

/// <summary>Closed-loop load: <c>callers</c> concurrent loops calling <c>op</c> for a fixed time or until <c>maxOps</c> calls.</summary>
internal static class Load
{
    public readonly record struct Result(double PerSecond, long Errors, double P50Ms, double P99Ms, double P90Ms);

    public static Task<Result> RunAsync(int callers, TimeSpan duration, Func<long, Task<bool>> op, long maxOps = long.MaxValue) =>
        RunAsync(callers, duration, (_, i) => op(i), maxOps);

    /// <summary>As above; <c>op</c> also gets the caller's number (0 … callers − 1), for state a caller keeps to itself.</summary>
    public static async Task<Result> RunAsync(int callers, TimeSpan duration, Func<int, long, Task<bool>> op, long maxOps = long.MaxValue)
    {
        long next = -1, errors = 0;
        var latencies = new List<double>[callers];
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = new List<double>(4096);
            while (sw.Elapsed < duration)
            {
                long i = Interlocked.Increment(ref next);
                if (i >= maxOps) break;
                long t0 = Stopwatch.GetTimestamp();
                bool ok;
                try { ok = await op(c, i); }
                catch (Exception) { ok = false; }
                mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                if (!ok) Interlocked.Increment(ref errors);
            }
        })));
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double P(double q) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(q * all.Length))];
        return new Result(all.Length / sw.Elapsed.TotalSeconds, errors, P(0.5), P(0.99), P(0.9));
    }
}
