namespace MyNoSql.Simulation.Tests.Sim;

/// <summary>The outcome of one seed: violations (empty when every invariant held), the trace and the final state.</summary>
internal sealed record SimResult(int Seed, IReadOnlyList<string> Violations, IReadOnlyList<string> Notes, string Trace, string Fingerprint, int[] Steps, TimeSpan Elapsed)
{
    public bool Passed => Violations.Count == 0;
}
