using System.Globalization;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>
/// Command line: [--quick] [--n N] [--large N] [--only iot-small|iot|game] [--seconds S] [--out DIR] [--skip-large-litedb]
/// [--fresh-only] [--no-fresh] [--no-large] [--fresh-rounds R] [--fresh-saves N] [--fresh-seconds S];
/// the query mode: --query [--query-profile] [--query-n N] [--queries Q] [--engines mynosql,sqlite,litedb] (with --quick, --seconds, --out);
/// the history mode: --history [--history-n N] [--history-fields 1-6] (with --quick, --out).
/// </summary>
internal sealed record BenchOptions(int N, int Large, string? Only, double Seconds, string Out, bool SkipLargeLiteDb, bool Quick,
    bool Query, bool QueryProfile, int QueryN, int Queries, IReadOnlyList<EngineKind> Engines, bool History = false, int HistoryN = 10_000, int HistoryFields = 3,
    bool FreshOnly = false, bool NoFresh = false, int FreshRounds = 3, int FreshSaves = 2_000, double FreshSeconds = 10, bool NoLarge = false)
{
    public static BenchOptions Parse(string[] args)
    {
        bool quick = args.Contains("--quick");
        int n = quick ? 5_000 : 100_000, large = quick ? 50_000 : 1_000_000;
        int queryN = quick ? 50_000 : 1_000_000, queries = quick ? 500 : 2_000;
        double seconds = quick ? 1.5 : 5;
        string? only = null;
        string output = Path.Combine("bench", "results");
        bool skipLargeLite = false, query = false, profile = false, history = false;
        int historyN = quick ? 2_000 : 10_000, historyFields = 3;
        bool freshOnly = false, noFresh = false, noLarge = false;
        int freshRounds = quick ? 2 : 5, freshSaves = quick ? 1_000 : 2_000;
        double freshSeconds = quick ? 3 : 10;
        EngineKind[] engines = [EngineKind.MyNoSql, EngineKind.Sqlite, EngineKind.LiteDb];
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--quick": break;
                case "--n": n = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--large": large = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--only": only = Next(); if (!Datasets.Names.Contains(only)) throw new ArgumentException($"--only takes one of {string.Join(", ", Datasets.Names)}"); break;
                case "--fresh-only": freshOnly = true; break;
                case "--no-fresh": noFresh = true; break;
                case "--no-large": noLarge = true; break;
                case "--fresh-rounds": freshRounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--fresh-saves": freshSaves = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--fresh-seconds": freshSeconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--out": output = Next(); break;
                case "--skip-large-litedb": skipLargeLite = true; break;
                case "--query": query = true; break;
                case "--query-profile": query = profile = true; break;
                case "--query-n": queryN = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--queries": queries = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--history": history = true; break;
                case "--history-n": historyN = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--history-fields": historyFields = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--engines": engines = [.. Next().Split(',').Select(e => Enum.Parse<EngineKind>(e, ignoreCase: true))]; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        return new BenchOptions(n, large, only, seconds, output, skipLargeLite, quick, query, profile, queryN, queries, engines, history, historyN, historyFields,
            freshOnly, noFresh, freshRounds, freshSaves, freshSeconds, noLarge);
    }
}
