namespace MyNoSql.Grains;

/// <summary>Result of a lock operation (<see cref="ILockGrain"/>).</summary>
/// <param name="Status">What happened.</param>
/// <param name="Token">The lock's current fencing token (the holder's when <see cref="LockStatus.Granted"/>); 0 when never taken.</param>
/// <param name="ExpiresUnixMs">When the current hold ends (Unix milliseconds, UTC); 0 when the lock is free.</param>
/// <param name="Version">The version of the lock's state this answer saw (for <see cref="ILockGrain.WaitForChange"/>).</param>
[GenerateSerializer, Immutable, Alias("mynosql.LockReply")]
public sealed record LockReply(
    [property: Id(0)] LockStatus Status,
    [property: Id(1)] long Token,
    [property: Id(2)] long ExpiresUnixMs,
    [property: Id(3)] long Version);
