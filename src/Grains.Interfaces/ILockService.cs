using Orleans.Services;

namespace MyNoSql.Grains;

/// <summary>
/// The per-silo keeper of lock state copies (one instance on every silo, reached by silo address): each mirror keeps the
/// newest <see cref="LockRecord"/> of every lock it was sent on its own disk, so an <see cref="ILockGrain"/> that
/// activates anywhere finds the last token on a quorum of them.
/// </summary>
[Alias("mynosql.ILockService")]
public interface ILockService : IGrainService
{
    /// <summary>This silo's copy of the lock <paramref name="key"/> (null when it holds none).</summary>
    [Alias("Get")]
    Task<LockRecord?> Get(string key, CancellationToken cancellationToken = default);

    /// <summary>Keeps <paramref name="state"/> durably unless this silo holds a copy with a greater token, or the same token and a
    /// greater or equal version; returns once durable.</summary>
    [Alias("Apply")]
    Task Apply(string key, LockRecord state, CancellationToken cancellationToken = default);
}
