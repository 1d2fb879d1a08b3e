namespace MyNoSql.Bench;

/// <summary>Latency percentiles (ms) and the rate of a sequence of timed calls made one after another.</summary>
internal sealed record QueryLatency(double P50, double P90, double P99, double PerSecond)
{
    public static QueryLatency From(IReadOnlyList<double> milliseconds)
    {
        if (milliseconds.Count == 0) throw new ArgumentException("no timings", nameof(milliseconds));
        var sorted = milliseconds.Order().ToArray();
        // Nearest rank: the value below which p of the calls fall.
        double At(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new QueryLatency(At(0.50), At(0.90), At(0.99), sorted.Length / (sorted.Sum() / 1000));
    }

    /// <summary>The median of a few timings (count and full-scan figures).</summary>
    public static double Median(IReadOnlyList<double> values) => From(values).P50;
}
