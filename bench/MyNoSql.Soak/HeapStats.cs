using Microsoft.Diagnostics.Runtime;

namespace MyNoSql.Soak;

/// <summary>
/// Live objects of a running .NET process by type (ClrMD attaches with ptrace and suspends it while the heap is walked
/// from its roots: only reachable objects count, so garbage not yet collected does not look like a leak).
/// </summary>
internal static class HeapStats
{
    /// <summary>The entry holding the GC's committed bytes (and segment count), not a type.</summary>
    public const string CommittedKey = "<GC committed>";

    public static long LiveBytes(Dictionary<string, (long Count, long Bytes)> stats) => stats.Where(s => s.Key != CommittedKey).Sum(s => s.Value.Bytes);

    public static long Committed(Dictionary<string, (long Count, long Bytes)> stats) => stats.TryGetValue(CommittedKey, out var c) ? c.Bytes : 0;

    public static Dictionary<string, (long Count, long Bytes)> Live(int pid)
    {
        using var target = DataTarget.AttachToProcess(pid, suspend: true);
        var clr = target.ClrVersions[0];
        // The DAC next to the target's runtime (ClrMD's own lookup does not find it on this machine's install).
        string dac = Path.Combine(Path.GetDirectoryName(clr.ModuleInfo.FileName) ?? "", OperatingSystem.IsWindows() ? "mscordaccore.dll" : "libmscordaccore.so");
        using var runtime = File.Exists(dac) ? clr.CreateRuntime(dac, ignoreMismatch: true) : clr.CreateRuntime();
        var heap = runtime.Heap;
        var seen = new HashSet<ulong>();
        var pending = new Stack<ClrObject>();
        foreach (var root in heap.EnumerateRoots())
        {
            var o = root.Object;
            if (o.IsValid && seen.Add(o.Address)) pending.Push(o);
        }
        var stats = new Dictionary<string, (long Count, long Bytes)>(StringComparer.Ordinal)
        {
            // Not a type: the GC's committed memory (live objects, garbage not yet collected, free space) for comparison.
            [CommittedKey] = (heap.Segments.Length, heap.Segments.Sum(s => (long)s.CommittedMemory.Length)),
        };
        while (pending.Count > 0)
        {
            var o = pending.Pop();
            string name = o.Type?.Name ?? "?";
            stats.TryGetValue(name, out var s);
            stats[name] = (s.Count + 1, s.Bytes + (long)o.Size);
            foreach (var r in o.EnumerateReferences(carefully: false, considerDependantHandles: true))
            {
                if (r.IsValid && seen.Add(r.Address)) pending.Push(r);
            }
        }
        return stats;
    }

    /// <summary>The types whose live bytes grew most from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public static IEnumerable<(string Type, long Count, long Bytes, long CountGrowth, long BytesGrowth)> Growth(
        Dictionary<string, (long Count, long Bytes)> before, Dictionary<string, (long Count, long Bytes)> after, int top) =>
        after.Where(a => a.Key != CommittedKey).Select(a =>
        {
            before.TryGetValue(a.Key, out var b);
            return (a.Key, a.Value.Count, a.Value.Bytes, a.Value.Count - b.Count, a.Value.Bytes - b.Bytes);
        }).OrderByDescending(g => g.Item5).Take(top);
}
