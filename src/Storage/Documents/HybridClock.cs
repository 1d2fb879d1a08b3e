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

    /// <summary>Moves the clock past a stamp received from another replica.</summary>
    public void Observe(long stamp)
    {
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
