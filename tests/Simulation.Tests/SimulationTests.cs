using System.Diagnostics;
using System.Globalization;
using MyNoSql.Simulation.Tests.Sim;
using Xunit.Abstractions;

namespace MyNoSql.Simulation.Tests;

/// <summary>
/// Deterministic simulation of sync (README.md here): seeded schedules of saves, deletes, reads, conflicting edits,
/// sync rounds, anti-entropy, link cuts and crashes over a fault-injecting network, then the invariants at quiescence.
/// <c>MYNOSQL_SIM_SEED=n</c> replays one seed; <c>MYNOSQL_SIM_SEEDS=N</c> runs seeds 1..N (default 200).
/// </summary>
public sealed class SimulationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_seed_converges_without_losing_an_acknowledged_write()
    {
        int? single = SimulationRunner.EnvInt("MYNOSQL_SIM_SEED");
        if (single is int seed)
        {
            await ReplayAsync(seed);
            return;
        }
        int count = SimulationRunner.EnvInt("MYNOSQL_SIM_SEEDS") ?? 200;
        int first = SimulationRunner.EnvInt("MYNOSQL_SIM_FIRST_SEED") ?? 1;
        int parallelism = SimulationRunner.EnvInt("MYNOSQL_SIM_PARALLEL") ?? Environment.ProcessorCount;
        var clock = Stopwatch.StartNew();
        int done = 0;
        var results = await SimulationRunner.RunManyAsync(Enumerable.Range(first, count), SimOptions.ForSeed, parallelism, r =>
        {
            int n = Interlocked.Increment(ref done);
            if (!r.Passed) Console.Error.WriteLine($"simulation: seed {r.Seed} FAILED: {r.Violations[0]}");
            else if (n % 250 == 0) Console.Error.WriteLine($"simulation: {n}/{count} seeds in {clock.Elapsed.TotalSeconds:F0} s");
        });
        var failures = results.Where(r => !r.Passed).ToList();
        var times = results.Select(r => r.Elapsed.TotalMilliseconds).Order().ToList();
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"{results.Count} seeds ({first}..{first + count - 1}) in {clock.Elapsed.TotalSeconds:F1} s, {parallelism} at a time; per seed median {times[times.Count / 2]:F0} ms, max {times[^1]:F0} ms; {results.Count(r => r.Notes.Any(n => !n.Contains("common ancestor", StringComparison.Ordinal)))} met the documented loser-only limit; {results.Count(r => r.Notes.Any(n => n.Contains("common ancestor", StringComparison.Ordinal)))} kept a conflict whose ancestor body was not kept (merge policy); {Sim.History.ResolutionsSoFar} policy resolution revisions; {failures.Count} failed{(failures.Count > 0 ? ": " + string.Join(' ', failures.Select(f => f.Seed)) : "")}");
        output.WriteLine(summary);
        Console.Error.WriteLine("simulation: " + summary);
        if (failures.Count == 0) return;
        var first1 = failures[0];
        var minimal = await SimulationRunner.ShrinkAsync(first1, SimOptions.ForSeed(first1.Seed), TimeSpan.FromSeconds(60));
        Assert.Fail(summary + "\n" + SimulationRunner.Report(first1, minimal));
    }

    [Fact]
    public async Task A_seed_replays_to_the_same_trace_and_state()
    {
        var a = await SimWorld.RunAsync(4242, SimOptions.ForSeed(4242));
        var b = await SimWorld.RunAsync(4242, SimOptions.ForSeed(4242));
        Assert.True(a.Passed, SimulationRunner.Report(a, null));
        Assert.Equal(a.Trace, b.Trace);
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.Contains("save", a.Trace, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_checker_catches_a_mirror_that_drops_conflicting_revisions()
    {
        // A planted bug: mirrors answer "conflict" for a concurrent edit but never store it. Some seed must expose it.
        var results = await SimulationRunner.RunManyAsync(Enumerable.Range(1, 20),
            seed => SimOptions.ForSeed(seed) with { PlantedBugDropConflicts = true }, Environment.ProcessorCount);
        var caught = results.Where(r => !r.Passed).ToList();
        output.WriteLine($"planted bug caught by {caught.Count} of 20 seeds");
        Assert.NotEmpty(caught);
        Assert.Contains(caught, r => r.Violations.Any(v => v.Contains("lost on", StringComparison.Ordinal) || v.Contains("differ", StringComparison.Ordinal)));
        Assert.Contains($"MYNOSQL_SIM_SEED={caught[0].Seed}", SimulationRunner.Report(caught[0], null), StringComparison.Ordinal);
    }

    private async Task ReplayAsync(int seed)
    {
        var options = SimOptions.ForSeed(seed);
        string? steps = Environment.GetEnvironmentVariable("MYNOSQL_SIM_STEPS");
        var keep = string.IsNullOrEmpty(steps) ? null : steps.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToHashSet();
        var result = await SimWorld.RunAsync(seed, options, keep);
        output.WriteLine(result.Trace);
        if (result.Passed) return;
        var minimal = keep is null ? await SimulationRunner.ShrinkAsync(result, options, TimeSpan.FromSeconds(120)) : null;
        Assert.Fail(SimulationRunner.Report(result, minimal));
    }
}
