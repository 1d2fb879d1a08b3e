using System.Text.Json.Nodes;
using MyNoSql.Cli.Clients;

namespace MyNoSql.Cli.Commands;

/// <summary>What an import did: how many records were saved, which were refused and why, and where a malformed file
/// stopped it. Its message says exactly what was stored.</summary>
internal sealed class ImportResult
{
    /// <summary>Refusals listed by line (the rest are counted): a re-import of a big file must not list a million.</summary>
    private const int Listed = 10;
    private const int Kept = 100;
    private readonly List<(long Position, RecordRefusal Refusal)> _refused = [];
    private string _unit = "line";

    public long Imported { get; private set; }

    public long RefusedCount { get; private set; }

    public double Seconds { get; set; }

    /// <summary>The malformed place that stopped the import, or null when it read the whole file.</summary>
    public ImportInputException? StoppedBy { get; private set; }

    /// <summary>The message for stderr, or null when every record was imported.</summary>
    public string? Problem { get; private set; }

    /// <summary>0 when every record was imported; 2 for a malformed file or an invalid record; else 1 (conflicts).</summary>
    public int ExitCode => StoppedBy is not null || _refusedBadInput ? ExitCodes.BadInput : RefusedCount > 0 ? ExitCodes.NotFoundOrConflict : ExitCodes.Ok;

    private bool _refusedBadInput;

    public void Add(ImportBatch batch, IReadOnlyList<RecordRefusal> refused)
    {
        _unit = batch.Unit;
        Imported += batch.Records.Count - refused.Count;
        RefusedCount += refused.Count;
        foreach (var r in refused)
        {
            if (r.ExitCode == ExitCodes.BadInput) _refusedBadInput = true;
            if (_refused.Count < Kept) _refused.Add((batch.Positions[r.Index], r));
        }
    }

    public void Stop(ImportInputException e)
    {
        StoppedBy = e;
        _unit = e.Unit;
    }

    /// <summary>Sets <see cref="Problem"/>: what was not saved and, after a malformed place, what was read before it.</summary>
    public void Describe(string path)
    {
        if (StoppedBy is { } stop)
        {
            string read = stop.Before == 1 ? $"{stop.Unit} 1" : $"{stop.Unit}s 1–{stop.Before:N0}";
            string before = stop.Before == 0 ? "nothing was imported."
                : RefusedCount == 0 ? $"{read} {(stop.Before == 1 ? "was" : "were")} imported ({Records(Imported)})."
                : $"of {read}, {Records(Imported)} {(Imported == 1 ? "was" : "were")} imported; not saved: {NotSaved()}.";
            Problem = $"{stop.Message} The import stopped there: {before}";
        }
        else if (RefusedCount > 0)
        {
            Problem = $"import: {path}: {Records(Imported)} imported, {RefusedCount:N0} not saved: {NotSaved()}.";
        }
    }

    private static string Records(long n) => n == 1 ? "1 record" : $"{n:N0} records";

    private string NotSaved()
    {
        var listed = _refused.Take(Listed).Select(r => $"{_unit} {r.Position:N0} ({r.Refusal.Reason.TrimEnd('.')})");
        return string.Join("; ", listed) + (RefusedCount > Listed ? $"; and {RefusedCount - Listed:N0} more" : "");
    }

    /// <summary>The <c>--json</c> summary: <c>{"imported","seconds","file"}</c>, with <c>"not_saved"</c> (the first
    /// 100: line or element, exit code, reason) and <c>"stopped"</c> (the malformed place) when there are.</summary>
    public JsonObject ToJson(string path)
    {
        var o = new JsonObject { ["imported"] = Imported, ["seconds"] = Math.Round(Seconds, 3), ["file"] = path };
        if (RefusedCount > 0)
        {
            var items = new JsonArray();
            foreach (var (position, r) in _refused)
                items.Add(new JsonObject { [_unit] = position, ["code"] = r.ExitCode, ["reason"] = r.Reason });
            o["not_saved_count"] = RefusedCount;
            o["not_saved"] = items;
        }
        if (StoppedBy is not null) o["stopped"] = StoppedBy.Message;
        return o;
    }
}
