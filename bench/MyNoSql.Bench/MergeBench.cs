using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Merging;

namespace MyNoSql.Bench;

/// <summary>
/// <c>MyNoSql.Bench merge</c>: how long the merge policy resolver takes on a 50-field record with a three-way conflict
/// (10 fields each Latest, Max, Union, Counter and Winner; the common ancestor's body in the record's history).
/// Goal (issue 13): under 50 µs per merge. Prints µs per <see cref="ConflictResolver.MergeBodies"/> and per whole
/// <see cref="ConflictResolver.TryResolve"/> (ancestor lookup, merge, revisions of the resolution and closed losers).
/// </summary>
internal static class MergeBench
{
    public static int Run()
    {
        var policy = new MergePolicy();
        var strategies = new[] { MergeStrategy.Latest, MergeStrategy.Max, MergeStrategy.Union, MergeStrategy.Counter, MergeStrategy.Winner };
        for (int f = 0; f < 50; f++) policy.Fields[$"f{f:D2}"] = strategies[f % strategies.Length];
        var root = RevisionLeaf.Child(null, false, Body(0), stamp: 1);
        var leaves = Enumerable.Range(1, 3).Select(v => RevisionLeaf.Child(root, false, Body(v), stamp: 10 + v)).ToArray();
        var record = DocumentRecord.Create("bench", leaves, [new HistoryEntry(root.Rev, false, 1, EditKind.Save, root.Body, true)]);
        Console.WriteLine($"merge bench: 50 fields, {leaves.Length} live leaves, body {leaves[0].Body.Length} bytes");
        Measure("MergeBodies", () => ConflictResolver.MergeBodies(leaves, root.Body, policy));
        Measure("TryResolve", () => ConflictResolver.TryResolve(record, policy, 20));
        return 0;
    }

    private static void Measure(string name, Func<object?> merge)
    {
        for (int i = 0; i < 20_000; i++) merge(); // warm-up (tiered JIT)
        var samples = new List<double>();
        var cpu = new List<double>();
        var thread = System.Diagnostics.Process.GetCurrentProcess();
        for (int round = 0; round < 7; round++)
        {
            const int n = 20_000;
            var cpuBefore = thread.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < n; i++) merge();
            samples.Add(clock.Elapsed.TotalMicroseconds / n);
            thread.Refresh();
            cpu.Add((thread.TotalProcessorTime - cpuBefore).TotalMicroseconds / n);
        }
        samples.Sort();
        cpu.Sort();
        // On a shared, loaded machine wall time includes waiting for a core; process CPU time (GC threads included) does not.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: median {samples[3]:F1} µs wall per merge (best {samples[0]:F1}, worst {samples[^1]:F1}); CPU median {cpu[3]:F1} µs (best {cpu[0]:F1}); 7 rounds of 20,000; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
    }

    /// <summary>50 fields of every kind a policy merges: strings, numbers, arrays of tags.</summary>
    private static byte[] Body(int variant)
    {
        var o = new JsonObject();
        for (int f = 0; f < 50; f++)
        {
            string name = $"f{f:D2}";
            o[name] = (f % 5) switch
            {
                0 => $"title {f} v{(f % 3 == variant % 3 ? 0 : variant)}",
                1 => f * 10 + variant,
                2 => new JsonArray($"t{f}", $"u{(f + variant) % 7}", $"v{variant}"),
                3 => 100 + f + variant * (f % 4),
                _ => $"plain {f} {variant}",
            };
        }
        return Encoding.UTF8.GetBytes(o.ToJsonString());
    }
}
