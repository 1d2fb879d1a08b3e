using MyNoSql.Storage.Documents;

namespace MyNoSql.Grains.Merging;

/// <summary>
/// Bounds on the hybrid-clock stamps a mirror takes from outside (pushed leaves, merge policies). A stamp far ahead of
/// this machine's time (a device with a wrong clock, or a hostile one: up to <c>long.MaxValue</c>) is kept as data but
/// not observed, so it cannot drag this silo's clock, and with it every later stamp and saved-at time, into the future.
/// </summary>
internal static class StampBounds
{
    /// <summary>How far ahead of this machine's time an observed stamp may be.</summary>
    public static readonly TimeSpan MaxDrift = TimeSpan.FromHours(1);

    /// <summary>True when <paramref name="stamp"/> is 0 (unknown) or not more than <see cref="MaxDrift"/> ahead of now.</summary>
    public static bool IsPlausible(long stamp) =>
        stamp >= 0 && (HybridClock.ToTime(stamp) is not { } at || at <= DateTimeOffset.UtcNow + MaxDrift);

    /// <summary>Moves <paramref name="clock"/> past <paramref name="stamp"/> when it is plausible.</summary>
    public static void ObserveBounded(this HybridClock clock, long stamp)
    {
        if (stamp > 0 && IsPlausible(stamp)) clock.Observe(stamp);
    }
}
