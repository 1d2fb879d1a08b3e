namespace MyNoSql;

/// <summary>
/// A lock held through the mirrors (DESIGN §9), from <see cref="MyNoSqlDb.LockAsync"/>. It lasts its ttl unless renewed
/// (<see cref="RenewAsync"/>) and ends at <see cref="ReleaseAsync"/> or <see cref="DisposeAsync"/>. Holding it past
/// <see cref="Expires"/> proves nothing: fence the saves it protects (<see cref="SaveOptions.Fence"/>), and a mirror refuses
/// those made after a newer holder got the lock. Safe to call concurrently.
/// </summary>
public sealed class MyNoSqlLock : IAsyncDisposable
{
    private readonly MyNoSqlDb _db;
    private long _expiresTicks;
    private int _released;

    internal MyNoSqlLock(MyNoSqlDb db, string name, long token, DateTimeOffset expires, TimeSpan ttl, string mirror)
    {
        _db = db;
        Name = name;
        FencingToken = token;
        _expiresTicks = expires.UtcTicks;
        Ttl = ttl;
        Mirror = mirror;
    }

    /// <summary>The lock name.</summary>
    public string Name { get; }

    /// <summary>This hold's fencing token: greater than every token the lock was granted with before, on any mirror.</summary>
    public long FencingToken { get; }

    /// <summary>When the hold ends unless renewed (as the mirror's clock tells it, UTC).</summary>
    public DateTimeOffset Expires => new(Interlocked.Read(ref _expiresTicks), TimeSpan.Zero);

    /// <summary>The database the lock belongs to.</summary>
    internal MyNoSqlDb Database => _db;

    internal TimeSpan Ttl { get; }

    /// <summary>The mirror that granted it (asked first for renewals and the release).</summary>
    internal string Mirror { get; private set; }

    internal bool IsReleased => Volatile.Read(ref _released) != 0;

    /// <summary>Extends the hold to <paramref name="ttl"/> (default: the ttl it was taken with) from now.</summary>
    /// <exception cref="StaleFenceException">The hold ended (expired, or the lock was released): the token no longer holds it.</exception>
    /// <exception cref="LockUnavailableException">No mirror answered.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ttl"/> is not 1 ms to 1 day.</exception>
    public async Task RenewAsync(TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        var span = ttl ?? Ttl;
        MyNoSqlDb.CheckTtl(span, nameof(ttl));
        if (IsReleased) throw new StaleFenceException(_db.Name, Name, FencingToken, "the lock was released by this holder");
        var (expires, mirror) = await _db.RenewLockAsync(this, span, cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _expiresTicks, expires.UtcTicks);
        Mirror = mirror;
    }

    /// <summary>Frees the lock if this token still holds it; nothing happens when it already expired, was released, or
    /// another holder has it now.</summary>
    /// <exception cref="LockUnavailableException">No mirror answered (the hold then ends at <see cref="Expires"/>).</exception>
    public async Task ReleaseAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return;
        try
        {
            await _db.ReleaseLockAsync(this, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Volatile.Write(ref _released, 0); // may be tried again
            throw;
        }
    }

    /// <summary>Releases the lock; when no mirror answers, the hold just ends at <see cref="Expires"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await ReleaseAsync().ConfigureAwait(false);
        }
        catch (MyNoSqlException)
        {
            // Unreachable mirrors or a closed database: the hold ends by itself at its expiry.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"lock '{Name}' token {FencingToken} until {Expires:O}";
}
