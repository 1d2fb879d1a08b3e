namespace MyNoSql.Grains;

/// <summary>
/// The replicated state of one lock: the last fencing token issued, whether it still holds the lock and until when, and
/// a version that grows with every change (the copy with the greatest version is the current one).
/// </summary>
/// <param name="Token">The last fencing token issued (0: never taken); it only grows.</param>
/// <param name="Version">Grows by one with every change (acquire, renew, release).</param>
/// <param name="ExpiresUnixMs">End of the hold (Unix milliseconds, UTC); meaningful only while <paramref name="Held"/>.</param>
/// <param name="Held">False once released.</param>
[GenerateSerializer, Immutable, Alias("mynosql.LockRecord")]
public sealed record LockRecord(
    [property: Id(0)] long Token,
    [property: Id(1)] long Version,
    [property: Id(2)] long ExpiresUnixMs,
    [property: Id(3)] bool Held)
{
    /// <summary>The ttl the hold was granted or last renewed for (0: unknown, a record of an older version). A new
    /// activation on another silo holds the lock at most this long from its own clock, so a silo whose clock ran ahead
    /// cannot keep a lost holder's lock past its ttl.</summary>
    [Id(4)]
    public long TtlMs { get; init; }

    /// <summary>A lock never taken.</summary>
    public static LockRecord None { get; } = new(0, 0, 0, false);

    /// <summary>True when <see cref="Token"/> holds the lock at <paramref name="nowUnixMs"/>.</summary>
    public bool IsHeldAt(long nowUnixMs) => Held && ExpiresUnixMs > nowUnixMs;
}
