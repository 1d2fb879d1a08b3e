using Xunit.Abstractions;

namespace MyNoSql.Simulation.Tests.Replicas;

/// <summary>
/// Placement and rebalancing of <c>--replicas 3</c> over 100 simulated mirrors (<see cref="ReplicaWorld"/>): per seed,
/// 0 acknowledged writes lost (every acknowledged leaf on every holder after quiescence) and every measured join moving
/// at most 1.5× the joiner's ideal share. <c>MYNOSQL_SIM_REPLICA_SEEDS=N</c> runs N seeds (default 8) from
/// <c>MYNOSQL_SIM_REPLICA_FIRST_SEED</c> (default 1), so a long run can be split or resumed;
/// <c>MYNOSQL_SIM_REPLICA_SEED=n</c> replays one seed with its trace.
/// </summary>
public sealed class ReplicaSimulationTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_seed_keeps_every_acknowledged_write_and_moves_only_the_joiners_share()
    {
        int? one = SimulationRunner.EnvInt("MYNOSQL_SIM_REPLICA_SEED");
        int count = SimulationRunner.EnvInt("MYNOSQL_SIM_REPLICA_SEEDS") ?? 8;
        int first = SimulationRunner.EnvInt("MYNOSQL_SIM_REPLICA_FIRST_SEED") ?? 1;
        var seeds = one is { } s ? [s] : Enumerable.Range(first, count).ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        long acked = 0, joins = 0;
        double worst = 0;
        Parallel.ForEach(seeds, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, seed =>
        {
            var world = new ReplicaWorld(seed);
            world.Run(steps: 200);
            var lost = world.Lost();
            Interlocked.Add(ref acked, world.Acked.Count);
            Interlocked.Add(ref joins, world.Joins.Count);
            lock (failures) worst = Math.Max(worst, world.Joins.Select(j => j.Moved / j.Ideal).DefaultIfEmpty(0).Max());
            if (lost.Count > 0) failures.Add($"seed {seed}: {lost.Count} acknowledged leaves lost, e.g. {string.Join("; ", lost.Take(3))}\n  {string.Join("\n  ", world.Trace)}");
            foreach (var (moved, ideal) in world.Joins.Where(j => j.Moved > 1.5 * j.Ideal))
                failures.Add($"seed {seed}: a join moved {moved} copies, ideal share {ideal:F0}");
            if (one is not null) output.WriteLine(string.Join("\n", world.Trace));
        });
        output.WriteLine($"seeds {seeds[0]}–{seeds[^1]} ({seeds.Length}) in {clock.Elapsed.TotalSeconds:F1} s: {acked} acknowledged writes, {joins} measured joins, worst join {worst:F2}× the ideal share");
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5)));
        Assert.True(joins > 0, "no join was measured: the schedule never reached a settled cluster");
    }
}
