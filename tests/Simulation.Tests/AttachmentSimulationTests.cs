using System.Diagnostics;
using MyNoSql.Simulation.Tests.Sim;
using Xunit.Abstractions;

namespace MyNoSql.Simulation.Tests;

/// <summary>
/// The simulation with attachments (<see cref="SimOptions.Attachments"/>): half the saves on live records put or
/// delete an attachment (bodies of one to three chunks, shared between records), bodies travel through the sync/att calls
/// under the same faults, crashes and cuts; at quiescence stubs converge like any content and every body follows its stubs
/// (Checker.Attachments.cs). <c>MYNOSQL_SIM_ATT_SEEDS=N</c> runs seeds 1..N (default 40); a failing seed replays with
/// <c>MYNOSQL_SIM_SEED=n MYNOSQL_SIM_ATTACHMENTS=1</c>.
/// </summary>
public sealed class AttachmentSimulationTests(ITestOutputHelper output)
{
    private static SimOptions WithAttachments(int seed) => SimOptions.ForSeed(seed) with { Attachments = true };

    [Fact]
    public async Task Every_seed_with_attachments_converges_and_every_body_follows_its_stubs()
    {
        int count = SimulationRunner.EnvInt("MYNOSQL_SIM_ATT_SEEDS") ?? 40;
        var clock = Stopwatch.StartNew();
        var results = await SimulationRunner.RunManyAsync(Enumerable.Range(1, count), WithAttachments, Environment.ProcessorCount);
        var failures = results.Where(r => !r.Passed).ToList();
        int puts = results.Sum(r => CountOf(r.Trace, "put attachment"));
        int resumed = results.Sum(r => CountOf(r.Trace, "att-chunk"));
        output.WriteLine($"{results.Count} seeds with attachments in {clock.Elapsed.TotalSeconds:F1} s: {puts} attachment puts, {resumed} chunk uploads, {failures.Count} failed");
        Assert.True(puts > count, $"only {puts} attachment puts in {count} seeds");
        if (failures.Count == 0) return;
        var minimal = await SimulationRunner.ShrinkAsync(failures[0], WithAttachments(failures[0].Seed), TimeSpan.FromSeconds(60));
        Assert.Fail($"{failures.Count} of {count} seeds failed: {string.Join(' ', failures.Select(f => f.Seed))} (replay: MYNOSQL_SIM_ATTACHMENTS=1)\n" + SimulationRunner.Report(failures[0], minimal));
    }

    [Fact]
    public async Task The_checker_catches_mirrors_that_acknowledge_bodies_they_do_not_store()
    {
        var results = await SimulationRunner.RunManyAsync(Enumerable.Range(1, 10), seed => WithAttachments(seed) with { PlantedBugLoseBodies = true }, Environment.ProcessorCount);
        var caught = results.Where(r => !r.Passed).ToList();
        output.WriteLine($"planted bug caught by {caught.Count} of 10 seeds: {(caught.Count > 0 ? caught[0].Violations[0] : "")}");
        Assert.NotEmpty(caught);
        Assert.Contains(caught, r => r.Violations.Any(v => v.Contains("attachment", StringComparison.Ordinal)));
    }

    private static int CountOf(string trace, string what)
    {
        int n = 0;
        for (int i = trace.IndexOf(what, StringComparison.Ordinal); i >= 0; i = trace.IndexOf(what, i + what.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
