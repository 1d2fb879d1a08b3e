using System.Diagnostics;
using System.Text.Json.Nodes;
using MyNoSql.Tests.Support;

namespace MyNoSql.SyncBench;

/// <summary>
/// The PouchDB side (bench/pouchdb/bench.js under node): the same documents written to JSONL, the same phases, bytes
/// counted at express-pouchdb's sockets. Installs the pinned packages (npm ci) when node_modules is missing.
/// </summary>
internal sealed class PouchRun(int docs, string root, Action<string> say)
{
    private static readonly string Dir = Path.Combine(RepoPaths.Root, "bench", "pouchdb");

    public List<PhaseResult> Phases { get; } = [];

    public JsonObject Facts { get; } = [];

    public async Task RunAsync(CancellationToken ct)
    {
        if (!Directory.Exists(Path.Combine(Dir, "node_modules")))
        {
            say("bench/pouchdb: npm ci (pouchdb 9.0.0, express-pouchdb 4.2.0)");
            int npm = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], Dir, ct);
            if (npm != 0) throw new InvalidOperationException($"npm ci in {Dir} failed with exit code {npm}");
        }
        Directory.CreateDirectory(root);
        string docsFile = Path.Combine(root, "docs.jsonl"), changedFile = Path.Combine(root, "changed.jsonl"), outFile = Path.Combine(root, "result.json");
        await WriteJsonLinesAsync(docsFile, Enumerable.Range(0, docs).Select(PlayerDocs.Create), ct);
        await WriteJsonLinesAsync(changedFile, PlayerDocs.ChangedIndexes(docs).Select(PlayerDocs.Changed), ct);

        int exit = await RunAsync("node", [Path.Combine(Dir, "bench.js"), "--docs", docsFile, "--changed", changedFile, "--work", Path.Combine(root, "work"), "--out", outFile], Dir, ct);
        if (exit != 0 || !File.Exists(outFile)) throw new InvalidOperationException($"bench/pouchdb/bench.js failed with exit code {exit}");
        var result = JsonNode.Parse(await File.ReadAllTextAsync(outFile, ct))!.AsObject();
        foreach (var p in result["phases"]!.AsArray())
            Phases.Add(new PhaseResult((string)p!["name"]!, (double)p["seconds"]!, (long)p["up"]!, (long)p["down"]!, (long)p["requests"]!, (double)p["cpuSeconds"]!));
        Facts["engine"] = (string)result["engine"]!;
        Facts["node"] = (string)result["node"]!;
        Facts["verified"] = (bool)result["verified"]!;
    }

    private static async Task WriteJsonLinesAsync(string file, IEnumerable<JsonObject> docs, CancellationToken ct)
    {
        await using var writer = new StreamWriter(file);
        foreach (var doc in docs) await writer.WriteLineAsync(doc.ToJsonString().AsMemory(), ct);
    }

    /// <summary>Runs a child process, passing its output lines through to stderr.</summary>
    private static async Task<int> RunAsync(string file, string[] args, string workingDirectory, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return process.ExitCode;
    }
}
