using System.Globalization;
using Xunit.Abstractions;

namespace MyNoSql.Storage.Tests.Fuzz;

/// <summary>
/// Seed and size of a fuzz run. A random seed per run (printed, and named in every failure); replay one with
/// <c>MYNOSQL_FUZZ_SEED=N</c>, run longer with <c>MYNOSQL_FUZZ_SCALE=K</c> (K times the CI case count).
/// </summary>
internal static class FuzzSettings
{
    public static int Seed(ITestOutputHelper output, string what)
    {
        string? given = Environment.GetEnvironmentVariable("MYNOSQL_FUZZ_SEED");
        int seed = int.TryParse(given, NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) ? s : Random.Shared.Next();
        output.WriteLine($"{what}: seed {seed} (replay with MYNOSQL_FUZZ_SEED={seed})");
        return seed;
    }

    public static int Cases(int ci)
    {
        string? given = Environment.GetEnvironmentVariable("MYNOSQL_FUZZ_SCALE");
        int scale = int.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k > 0 ? k : 1;
        return ci * scale;
    }
}
