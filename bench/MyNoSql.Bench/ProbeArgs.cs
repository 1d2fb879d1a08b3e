using System.Globalization;

namespace MyNoSql.Bench;

/// <summary>
/// What the single-purpose probes (<c>steady</c>, <c>reopen</c>, <c>reads</c>) share: <c>PROBE DATASET A B C</c> on the
/// command line, and a scratch folder under the temp directory, deleted when the probe ends.
/// </summary>
internal sealed class ProbeArgs : IDisposable
{
    public ProbeArgs(string[] args)
    {
        Dataset = args[1];
        Numbers = [.. args[2..5].Select(a => int.Parse(a, CultureInfo.InvariantCulture))];
        Extra = args.Length > 5 ? args[5] : null;
        Root = Path.Combine(Path.GetTempPath(), $"mynosql-{args[0]}-{Guid.NewGuid().ToString("N")[..8]}");
    }

    public string Dataset { get; }

    /// <summary>The three numbers after the dataset, in order.</summary>
    public int[] Numbers { get; }

    /// <summary>A sixth argument, if any (e.g. <c>readback</c>).</summary>
    public string? Extra { get; }

    public string Root { get; }

    public void Dispose()
    {
        try { if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
