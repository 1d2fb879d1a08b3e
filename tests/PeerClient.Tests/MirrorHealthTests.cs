using MyNoSql.Sync;

namespace MyNoSql.PeerClient.Tests;

/// <summary>The per-mirror back-off the read path relies on: doubling from 2 s up to 60 s, ended by an answer.</summary>
public class MirrorHealthTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Back_off_doubles_per_failure_in_a_row_up_to_a_minute_and_an_answer_ends_it()
    {
        var clock = new ManualClock();
        var health = new MirrorHealth(clock);
        const string m = "http://127.0.0.1:1";
        Assert.False(health.IsBackingOff(m));

        double[] expected = [2, 4, 8, 16, 32, 60, 60];
        foreach (double seconds in expected)
        {
            health.Failed(m);
            clock.Now += TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(1);
            Assert.True(health.IsBackingOff(m), $"still in back-off just before {seconds} s");
            Assert.False(health.IsBackingOff("http://127.0.0.1:2")); // per mirror
            clock.Now += TimeSpan.FromMilliseconds(1);
            Assert.False(health.IsBackingOff(m), $"free again after {seconds} s");
        }

        health.Failed(m);
        health.Succeeded(m);
        Assert.False(health.IsBackingOff(m));
        health.Failed(m); // the count started over: 2 s again
        Assert.True(health.IsBackingOff(m.ToUpperInvariant())); // URLs compare case-insensitively
        clock.Now += TimeSpan.FromSeconds(2);
        Assert.False(health.IsBackingOff(m));
    }

    [Fact]
    public void A_failed_mirror_stays_down_after_its_back_off_and_is_rechecked_once_at_a_time_until_it_answers()
    {
        var clock = new ManualClock();
        var health = new MirrorHealth(clock);
        const string m = "http://127.0.0.1:1";
        Assert.False(health.IsDown(m));
        Assert.False(health.TryBeginRecheck(m)); // never failed: nothing to re-check

        health.Failed(m);
        Assert.True(health.IsDown(m));
        Assert.False(health.TryBeginRecheck(m)); // in back-off
        clock.Now += TimeSpan.FromSeconds(2);
        Assert.True(health.IsDown(m)); // back-off over, still down: only an answer ends that
        Assert.True(health.TryBeginRecheck(m));
        Assert.False(health.TryBeginRecheck(m)); // one at a time

        health.Failed(m); // the re-check got no answer: 4 s more
        health.EndRecheck(m);
        clock.Now += TimeSpan.FromSeconds(4) - TimeSpan.FromMilliseconds(1);
        Assert.False(health.TryBeginRecheck(m));
        clock.Now += TimeSpan.FromMilliseconds(1);
        Assert.True(health.TryBeginRecheck(m));
        health.Succeeded(m);
        health.EndRecheck(m);
        Assert.False(health.IsDown(m));
    }
}
