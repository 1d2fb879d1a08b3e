using System.Globalization;

namespace MyNoSql.Bench;

/// <summary>Command line: [--quick] [--n N] [--large N] [--only iot|game] [--seconds S] [--out DIR] [--skip-large-litedb].</summary>
internal sealed record BenchOptions(int N, int Large, string? Only, double Seconds, string Out, bool SkipLargeLiteDb, bool Quick)
{
    public static BenchOptions Parse(string[] args)
    {
        bool quick = args.Contains("--quick");
        int n = quick ? 5_000 : 100_000, large = quick ? 50_000 : 1_000_000;
        double seconds = quick ? 1.5 : 5;
        string? only = null;
        string output = Path.Combine("bench", "results");
        bool skipLargeLite = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--quick": break;
                case "--n": n = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--large": large = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--only": only = Next(); break;
                case "--seconds": seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--out": output = Next(); break;
                case "--skip-large-litedb": skipLargeLite = true; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        return new BenchOptions(n, large, only, seconds, output, skipLargeLite, quick);
    }
}
