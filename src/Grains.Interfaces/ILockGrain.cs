using Orleans.Concurrency;

namespace MyNoSql.Grains;

/// <summary>
/// One lock (DESIGN §9), keyed <c>"{db}/{name}"</c> (<see cref="LockName.Key"/>). Its state is on a write quorum of
/// mirrors before any answer that depends on it, so the fencing token never goes back, even when the silo that held the
/// activation is lost. A hold lasts its ttl unless renewed; waiting is the caller's loop (<see cref="WaitForChange"/>).
/// </summary>
[Alias("mynosql.ILockGrain")]
public interface ILockGrain : IGrainWithStringKey
{
    /// <summary>Takes the lock for <paramref name="ttlMs"/> milliseconds with a new fencing token (the greatest ever issued
    /// + 1) when it is free or its hold expired; otherwise <see cref="LockStatus.Locked"/>.</summary>
    [Alias("Acquire")]
    Task<LockReply> Acquire(long ttlMs, CancellationToken cancellationToken = default);

    /// <summary>Extends the hold of <paramref name="token"/> to <paramref name="ttlMs"/> from now, if it still holds the lock.</summary>
    [Alias("Renew")]
    Task<LockReply> Renew(long token, long ttlMs, CancellationToken cancellationToken = default);

    /// <summary>Frees the lock if <paramref name="token"/> still holds it.</summary>
    [Alias("Release")]
    Task<LockReply> Release(long token, CancellationToken cancellationToken = default);

    /// <summary>The lock's state now (<see cref="LockStatus.Granted"/> when <paramref name="token"/> holds it, else
    /// <see cref="LockStatus.NotHeld"/>, <see cref="LockStatus.NotFound"/> or <see cref="LockStatus.Unavailable"/>).
    /// A fenced save asks this inside its record's turn.</summary>
    [Alias("Check")]
    Task<LockReply> Check(long token, CancellationToken cancellationToken = default);

    /// <summary>Returns once the lock's state is no longer at <paramref name="version"/>, or after <paramref name="maxWaitMs"/>.</summary>
    [Alias("WaitForChange"), AlwaysInterleave]
    Task WaitForChange(long version, long maxWaitMs, CancellationToken cancellationToken = default);
}
