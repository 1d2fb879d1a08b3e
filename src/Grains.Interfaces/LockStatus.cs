namespace MyNoSql.Grains;

/// <summary>Outcome of a lock operation (<see cref="ILockGrain"/>).</summary>
[GenerateSerializer, Alias("mynosql.LockStatus")]
public enum LockStatus
{
    /// <summary>Done: the lock is held by <see cref="LockReply.Token"/> until <see cref="LockReply.ExpiresUnixMs"/> (or released).</summary>
    Granted = 0,

    /// <summary>Another holder has the lock until <see cref="LockReply.ExpiresUnixMs"/>; nothing changed.</summary>
    Locked = 1,

    /// <summary>The token given is not the one holding the lock now (stale, released or expired); nothing changed.</summary>
    NotHeld = 2,

    /// <summary>The lock was never taken; nothing changed.</summary>
    NotFound = 3,

    /// <summary>The lock's state could not be read from, or written to, a quorum of mirrors in time; no token was handed out.</summary>
    Unavailable = 4,
}
