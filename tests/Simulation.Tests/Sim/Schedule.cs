namespace MyNoSql.Simulation.Tests.Sim;

/// <summary>The seeded random schedule of a run.</summary>
internal static class Schedule
{
    private static readonly (OpKind Kind, int Weight)[] Weights =
    [
        (OpKind.Save, 30), (OpKind.Delete, 7), (OpKind.Read, 12), (OpKind.Sync, 20), (OpKind.SyncThenCrash, 2),
        (OpKind.Resolve, 3), (OpKind.AntiEntropy, 8), (OpKind.CutLink, 4), (OpKind.HealLink, 4),
        (OpKind.CrashOrRestart, 3), (OpKind.Compact, 2), (OpKind.Tick, 7),
    ];

    public static List<Op> Generate(int seed, SimOptions options)
    {
        var r = new Random(unchecked(seed * 31 + 7));
        int total = Weights.Sum(w => w.Weight);
        var ops = new List<Op>(options.Operations);
        for (int i = 0; i < options.Operations; i++)
        {
            int pick = r.Next(total);
            var kind = Weights[^1].Kind;
            foreach (var (k, w) in Weights)
            {
                if (pick < w) { kind = k; break; }
                pick -= w;
            }
            ops.Add(new Op(i, kind, r.Next(1 << 16), r.Next(1 << 16), r.Next(1 << 16), r.Next()));
        }
        return ops;
    }
}
