using MyNoSql.Simulation.Tests.Sim;
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
}
