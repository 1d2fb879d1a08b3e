using MyNoSql.Simulation.Tests.Sim;
using MyNoSql.Storage.Documents;
using Xunit.Abstractions;

namespace MyNoSql.Simulation.Tests;

/// <summary>Scripted runs of the simulated world for the sequences the random schedules found (regression tests).</summary>
public sealed class ScenarioTests(ITestOutputHelper output)
{
    /// <summary>
    /// A Peer-mode peer whose checkpoint came from m1 reads a record on demand from m0, which lags behind m1 (the
    /// replication of the newer revision was lost). Its next round fails over back to m1, whose index has not moved
    /// since the checkpoint, so nothing tells the peer that its copy is older than what the checkpoint covers.
    /// </summary>
    [Fact]
    public async Task A_peer_that_read_from_a_lagging_mirror_catches_up()
    {
        var result = await SimWorld.RunScriptAsync(new SimOptions { Mirrors = 2, Peers = 3 }, async w =>
        {
            string r1 = await w.ScriptSaveAsync(0, "x", null, 1);
            Assert.True(await w.ScriptSyncAsync(0));                 // x@1 on both mirrors
            await w.ScriptSaveAsync(0, "x", r1, 2);
            w.Net.Cut("p0", "m0");
            w.Net.Force("m1", "m0", Fault.DropRequest);              // m1 gets x@2, its replication to m0 is lost
            Assert.True(await w.ScriptSyncAsync(0));
            Assert.True(await w.ScriptSyncAsync(1));                 // p1 (Peer mode) pulls m1's index: x not held, skipped
            w.Net.Cut("p1", "m1");
            var read = await w.Peers[1].Db!.ReadDocAsync("x");       // on demand from m0: the older x@1
            Assert.Equal(r1, (string)read!["rev"]!);
            w.Net.Heal("p1", "m1");
            w.Net.Cut("p1", "m0");
            Assert.True(await w.ScriptSyncAsync(1));                 // back on m1 with m1's checkpoint
        });
        output.WriteLine(result.Trace);
        Assert.True(result.Passed, string.Join("\n", result.Violations) + "\n" + result.Trace);
    }

    /// <summary>
    /// Two peers edit the same revision offline; one of three mirrors misses the losing edit (its replication to that
    /// mirror is lost, the other mirror makes the write quorum, so the push is acknowledged and no retry comes).
    /// Anti-entropy must still copy the loser: with digests of winners only the mirrors' digests are equal and it never
    /// does. (With two mirrors the production accept rule heals it already: the push misses its quorum, and the retry
    /// replicates the known leaf again.)
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Anti_entropy_repairs_a_conflict_loser_one_mirror_missed_only_with_leaf_digests(bool leafDigests)
    {
        var result = await SimWorld.RunScriptAsync(new SimOptions { Mirrors = 3, Peers = 3, LeafDigests = leafDigests }, async w =>
        {
            string r1 = await w.ScriptSaveAsync(0, "x", null, 1);
            Assert.True(await w.ScriptSyncAsync(0));                 // x@1 on every mirror
            Assert.NotNull(await w.Peers[1].Db!.ReadDocAsync("x"));  // p1 holds x@1 too
            var a = Revision.Parse(await w.ScriptSaveAsync(0, "x", r1, 2));   // two offline edits of x@1
            var b = Revision.Parse(await w.ScriptSaveAsync(1, "x", r1, 3));
            int loser = a < b ? 0 : 1;                                        // p0 syncs with m0, p1 with m1
            Assert.True(await w.ScriptSyncAsync(1 - loser));                  // the winning edit on every mirror
            w.Net.Force($"m{loser}", "m2", Fault.DropRequest);                // the losing edit misses m2 only
            Assert.True(await w.ScriptSyncAsync(loser));
        });
        output.WriteLine(result.Trace);
        if (leafDigests) Assert.True(result.Passed, string.Join("\n", result.Violations));
        else Assert.Contains(result.Violations, v => v.Contains("mirrors hold different leaves", StringComparison.Ordinal) || v.Contains("is lost on", StringComparison.Ordinal));
    }
}
