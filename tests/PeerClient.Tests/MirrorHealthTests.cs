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
}
