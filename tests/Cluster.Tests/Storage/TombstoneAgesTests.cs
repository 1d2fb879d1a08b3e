using MyNoSql.Grains.Storage;

namespace MyNoSql.Cluster.Tests.Storage;

/// <summary>The mirror's own sighting of deleted records for the history sweep (audit P: a delete stamped 1970 by a
/// device's clock lost its history, and undo, within a minute).</summary>
public sealed class TombstoneAgesTests
{
    [Fact]
    public void A_deleted_record_is_admitted_only_after_this_mirror_saw_it_deleted_for_the_horizon_and_is_forgotten_once_gone()
    {
        long now = 1_000;
        var ages = new TombstoneAges(() => now);
        var horizon = TimeSpan.FromMinutes(4);
        Assert.False(ages.Admit("a", horizon)); // first sighting, whatever its stamp says
        ages.EndPass();
        now += (long)horizon.TotalMilliseconds - 1;
        Assert.False(ages.Admit("a", horizon));
        Assert.False(ages.Admit("b", horizon));
        ages.EndPass();
        now += 1;
        Assert.True(ages.Admit("a", horizon));
        Assert.False(ages.Admit("b", horizon));
        ages.EndPass();
        // "a" dropped its history (no longer listed): forgotten; "b" still ages.
        Assert.False(ages.Admit("b", horizon));
        ages.EndPass();
        Assert.Equal(1, ages.Count);
    }
}
