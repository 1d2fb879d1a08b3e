using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MyNoSql.Simulation.Tests.Sim;

namespace MyNoSql.Simulation.Tests;

/// <summary>Runs batches of seeds, shrinks a failing schedule and writes the failure report (seed, replay command, minimal trace).</summary>
internal static class SimulationRunner
{
    public static int? EnvInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null;

    /// <summary>Runs <paramref name="seeds"/> (at most <paramref name="parallelism"/> at once); returns every result, failures first.</summary>
    public static async Task<List<SimResult>> RunManyAsync(IEnumerable<int> seeds, Func<int, SimOptions> options, int parallelism, Action<SimResult>? progress = null)
    {
        var results = new ConcurrentBag<SimResult>();
        await Parallel.ForEachAsync(seeds, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (seed, _) =>
        {
            var r = await SimWorld.RunAsync(seed, options(seed));
            results.Add(r);
            progress?.Invoke(r);
        });
        return [.. results.OrderBy(r => r.Passed).ThenBy(r => r.Seed)];
    }

    /// <summary>
    /// Removes steps from a failing schedule while it still fails (chunks, then single steps), within
    /// <paramref name="budget"/>. Every step keeps its own random stream, so the remaining steps decide alike.
    /// </summary>
    public static async Task<SimResult> ShrinkAsync(SimResult failed, SimOptions options, TimeSpan budget)
    {
        var clock = Stopwatch.StartNew();
        var steps = failed.Steps.ToList();
        var best = failed;
        int chunk = Math.Max(1, steps.Count / 2);
        while (clock.Elapsed < budget)
        {
            bool removed = false;
            for (int i = 0; i < steps.Count && clock.Elapsed < budget; i += chunk)
            {
                var candidate = steps.Take(i).Concat(steps.Skip(i + chunk)).ToList();
                var r = await SimWorld.RunAsync(failed.Seed, options, candidate.ToHashSet());
                if (r.Passed) continue;
                steps = candidate;
                best = r;
                removed = true;
                i -= chunk;
            }
            if (!removed)
            {
                if (chunk == 1) break;
                chunk = Math.Max(1, chunk / 2);
            }
        }
        return best;
    }

    public static string Report(SimResult failed, SimResult? minimal)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Simulation seed {failed.Seed} failed ({failed.Steps.Length} steps):\n");
        foreach (var v in failed.Violations.Take(10)) sb.Append("  - ").Append(v).Append('\n');
        sb.Append(CultureInfo.InvariantCulture, $"Replay: MYNOSQL_SIM_SEED={failed.Seed} dotnet test tests/Simulation.Tests -c Release --filter FullyQualifiedName~Every_seed\n");
        if (minimal is not null && minimal.Steps.Length < failed.Steps.Length)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Shrunk to {minimal.Steps.Length} steps (replay: MYNOSQL_SIM_SEED={failed.Seed} MYNOSQL_SIM_STEPS={string.Join(',', minimal.Steps)}):\n");
            foreach (var v in minimal.Violations.Take(5)) sb.Append("  - ").Append(v).Append('\n');
        }
        sb.Append("Trace:\n").Append(Clip((minimal ?? failed).Trace, 400));
        return sb.ToString();
    }

    private static string Clip(string trace, int lines)
    {
        var all = trace.Split('\n');
        return all.Length <= lines ? trace : $"… {all.Length - lines} earlier lines left out …\n" + string.Join('\n', all[^lines..]);
    }
}
