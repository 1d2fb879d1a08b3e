namespace MyNoSql.Storage.Documents;

/// <summary>
/// A hybrid logical clock: stamps are 64-bit, the high 48 bits Unix milliseconds, the low 16 a counter, so a stamp is
/// never below one this replica issued or saw (<see cref="Observe"/>) even when the wall clock steps back, and stays
/// close to real time. Every revision carries the stamp of the replica that made it (the merge strategy Latest compares
/// them; history shows them as saved-at times). Thread-safe.
/// </summary>
internal sealed class HybridClock(TimeProvider time)
{
    private const int CounterBits = 16;
    private long _last;

    /// <summary>A clock on the system time.</summary>
    public static HybridClock System { get; } = new(TimeProvider.System);

    /// <summary>A new stamp, greater than every stamp issued or observed before.</summary>
    public long Next()
    {
        long physical = time.GetUtcNow().ToUnixTimeMilliseconds() << CounterBits;
        while (true)
        {
            long last = Volatile.Read(ref _last);
            long next = Math.Max(physical, last + 1);
            if (Interlocked.CompareExchange(ref _last, next, last) == last) return next;
        }
    }

    /// <summary>This replica's wall-clock time (its time provider's).</summary>
    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>How far ahead of this replica's time a received stamp may be and still move its clock: a device with a
    /// wrong clock (or a hostile sender) cannot drag every later stamp and saved-at time into the future.</summary>
    public static readonly TimeSpan MaxObservedDrift = TimeSpan.FromHours(1);

    /// <summary>Moves the clock past a stamp received from another replica, unless it is more than
    /// <see cref="MaxObservedDrift"/> ahead of this replica's time (then the stamp is kept as data, not observed).</summary>
    public void Observe(long stamp)
    {
        if (stamp > (time.GetUtcNow() + MaxObservedDrift).ToUnixTimeMilliseconds() << CounterBits) return;
        while (true)
        {
            long last = Volatile.Read(ref _last);
            if (stamp <= last || Interlocked.CompareExchange(ref _last, stamp, last) == last) return;
        }
    }

    /// <summary>The wall-clock time a stamp stands for; null for 0 (unknown: made before stamps existed).</summary>
    public static DateTimeOffset? ToTime(long stamp) =>
        stamp <= 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(stamp >> CounterBits);
}
