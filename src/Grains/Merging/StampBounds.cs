using MyNoSql.Storage.Documents;

namespace MyNoSql.Grains.Merging;

/// <summary>
/// Bounds on the hybrid-clock stamps a mirror takes from outside (pushed leaves, merge policies). A stamp ahead of this
/// machine's time by more than <see cref="HybridClock.MaxObservedDrift"/> (a device with a wrong clock, or a hostile one) is kept as
/// data but not observed, so it cannot drag this silo's clock, and with it every later stamp and saved-at time, into the
/// future; a policy stamp beyond <see cref="MaxAcceptedDrift"/> (up to <c>long.MaxValue</c>, which would win forever)
/// is refused.
/// </summary>
internal static class StampBounds
{
    /// <summary>How far ahead of this machine's time a policy stamp may be at all (devices with skewed clocks still sync).</summary>
    public static readonly TimeSpan MaxAcceptedDrift = TimeSpan.FromDays(366);

    /// <summary>True when <paramref name="stamp"/> is 0 (unknown) or not more than <see cref="MaxAcceptedDrift"/> ahead of now.</summary>
    public static bool IsAcceptable(long stamp) => stamp >= 0 && IsWithin(stamp, MaxAcceptedDrift);

    private static bool IsWithin(long stamp, TimeSpan drift) =>
        HybridClock.ToTime(stamp) is not { } at || at <= DateTimeOffset.UtcNow + drift;
}
