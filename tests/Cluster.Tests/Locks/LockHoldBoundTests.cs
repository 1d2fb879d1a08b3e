using MyNoSql.Grains;
using MyNoSql.Grains.Locks;

namespace MyNoSql.Cluster.Tests.Locks;

/// <summary>
/// A hold whose end was computed by a silo whose clock ran ahead (audit P: a lock taken through a mirror one hour ahead
/// stayed held an hour after that mirror was lost) is read by a new activation as ending within its ttl by its own clock.
/// </summary>
public sealed class LockHoldBoundTests
{
    private const long Now = 1_800_000_000_000;

    [Fact]
    public void A_hold_ending_past_its_ttl_by_this_clock_ends_within_its_ttl_and_others_are_kept()
    {
        var ahead = new LockRecord(7, 3, Now + 3_600_000 + 20_000, Held: true) { TtlMs = 20_000 };
        var bounded = LockGrain.BoundedAt(ahead, Now);
        Assert.Equal(Now + 20_000, bounded.ExpiresUnixMs);
        Assert.Equal((ahead.Token, ahead.Version, true), (bounded.Token, bounded.Version, bounded.Held)); // fencing untouched

        var normal = new LockRecord(7, 3, Now + 15_000, Held: true) { TtlMs = 20_000 };
        Assert.Same(normal, LockGrain.BoundedAt(normal, Now));
        var older = new LockRecord(7, 3, Now + 3_600_000, Held: true); // written before TtlMs was kept: unknown ttl
        Assert.Same(older, LockGrain.BoundedAt(older, Now));
        var released = new LockRecord(7, 4, 0, Held: false) { TtlMs = 20_000 };
        Assert.Same(released, LockGrain.BoundedAt(released, Now));
    }
}
