using System.Globalization;

namespace MyNoSql.Soak;

/// <summary>Command line of the soak harness (see bench/README.soak.md).</summary>
internal sealed record SoakOptions(double Minutes, int Mirrors, double WarmupSeconds, double SampleSeconds, int Callers, int Rate,
    int Keys, int PeerKeys, double ThresholdPercent, string OutDir, string SiloDll, string PeerDll, bool HeapStats)
{
    public const string Usage = """
        Usage: dotnet run -c Release --project bench/MyNoSql.Soak -- [options]
          --minutes N          run time (default 10; --minutes 2 is a quick check)
          --mirrors 1|3        mirror processes (default 3)
          --warmup-seconds S   RSS baseline taken after this (default 20% of the run, at most 120)
          --sample-seconds S   RSS sampling and progress interval (default 5)
          --callers N          concurrent HTTP callers (default 8)
          --rate N             HTTP operations per second in all, 0 = as fast as possible (default 400)
          --keys N             HTTP records (bounded, so memory can settle; default 5000)
          --peer-keys N        records the peer process updates and syncs (default 1000)
          --threshold P        fail when a process's RSS grew more than P % after warm-up (default 20)
          --out DIR            where soak-<utc>.json goes (default bench/results)
          --silo PATH          MyNoSql.Silo.dll (default src/Silo/bin/Release/net10.0/MyNoSql.Silo.dll)
          --heap-stats         after warm-up and at the end, count every process's live objects by type (ClrMD;
                               suspends each process for a few seconds) and print the types that grew most
        """;

    public static SoakOptions? Parse(string[] args, out string? error)
    {
        error = null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                error = $"unexpected argument '{args[i]}'";
                return null;
            }
            bool flag = i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal);
            values[args[i]] = flag ? "true" : args[++i];
        }
        double D(string name, double fallback) => values.Remove(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
        int I(string name, int fallback) => values.Remove(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        string S(string name, string fallback) => values.Remove(name, out var v) ? v : fallback;
        try
        {
            double minutes = D("--minutes", 10);
            var o = new SoakOptions(minutes, I("--mirrors", 3), D("--warmup-seconds", Math.Min(120, minutes * 60 * 0.2)), D("--sample-seconds", 5),
                I("--callers", 8), I("--rate", 400), I("--keys", 5000), I("--peer-keys", 1000), D("--threshold", 20),
                S("--out", Path.Combine("bench", "results")),
                Path.GetFullPath(S("--silo", Path.Combine("src", "Silo", "bin", "Release", "net10.0", "MyNoSql.Silo.dll"))),
                Path.Combine(AppContext.BaseDirectory, "MyNoSql.PeerWorker.dll"), values.Remove("--heap-stats"));
            if (values.Count > 0) error = $"unknown option '{values.Keys.First()}'";
            else if (o.Mirrors is not (1 or 3)) error = "--mirrors must be 1 or 3";
            else if (o.Minutes <= 0 || o.WarmupSeconds >= o.Minutes * 60) error = "--minutes must be positive and longer than the warm-up";
            else if (o.Callers < 1 || o.Keys < o.Callers || o.Rate < 0) error = "--callers ≥ 1, --keys ≥ callers, --rate ≥ 0";
            else if (!File.Exists(o.SiloDll)) error = $"{o.SiloDll} not found: run `dotnet build src/Silo -c Release` first (or pass --silo PATH)";
            return error is null ? o : null;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }
    }
}
