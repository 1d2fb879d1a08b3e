using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using MyNoSql.Tests.Support;

namespace MyNoSql.SyncBench;

/// <summary>
/// The PouchDB side (bench/pouchdb/bench.js under node, <c>--stepped</c>): the same documents written to JSONL, the same
/// phases, bytes counted at express-pouchdb's sockets. The harness starts each phase (a line on node's stdin) right
/// after the matching MyNoSql phase, so both engines run every phase under the same machine load. Installs the pinned
/// packages (npm ci) when node_modules is missing.
/// </summary>
internal sealed class PouchRun(int docs, string root, Action<string> say) : IAsyncDisposable
{
    private static readonly string Dir = Path.Combine(RepoPaths.Root, "bench", "pouchdb");
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private Process? _node;
    private string _outFile = "";

    /// <summary>The phase names of bench.js, in order.</summary>
    public static readonly string[] PhaseNames = ["initial push", "initial pull", "1% push", "1% pull", "no-change push", "no-change pull"];

    public List<PhaseResult> Phases { get; } = [];

    public JsonObject Facts { get; } = [];

    /// <summary>All phases back to back (<c>--only pouchdb</c>).</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        await StartAsync(ct);
        foreach (var name in PhaseNames) await RunPhaseAsync(name, ct);
        await FinishAsync(ct);
    }

    /// <summary>Writes the documents, starts node and waits until its server is up and A holds every document.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        if (!Directory.Exists(Path.Combine(Dir, "node_modules")))
        {
            say("bench/pouchdb: npm ci (pouchdb 9.0.0, express-pouchdb 4.2.0)");
            int npm = await RunToEndAsync("npm", ["ci", "--no-audit", "--no-fund"], Dir, ct);
            if (npm != 0) throw new InvalidOperationException($"npm ci in {Dir} failed with exit code {npm}");
        }
        Directory.CreateDirectory(root);
        string docsFile = Path.Combine(root, "docs.jsonl"), changedFile = Path.Combine(root, "changed.jsonl");
        _outFile = Path.Combine(root, "result.json");
        await WriteJsonLinesAsync(docsFile, Enumerable.Range(0, docs).Select(PlayerDocs.Create), ct);
        await WriteJsonLinesAsync(changedFile, PlayerDocs.ChangedIndexes(docs).Select(PlayerDocs.Changed), ct);

        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = Dir, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        foreach (var a in new[] { Path.Combine(Dir, "bench.js"), "--docs", docsFile, "--changed", changedFile, "--work", Path.Combine(root, "work"), "--out", _outFile, "--stepped" })
            info.ArgumentList.Add(a);
        _node = new Process { StartInfo = info };
        _node.OutputDataReceived += (_, e) => { if (e.Data is null) _lines.Writer.TryComplete(); else _lines.Writer.TryWrite(e.Data); };
        _node.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(e.Data); };
        _node.Start();
        _node.BeginOutputReadLine();
        _node.BeginErrorReadLine();
        string ready = await NextLineAsync(ct);
        if (ready != "ready") throw new InvalidOperationException($"bench/pouchdb/bench.js said '{ready}' instead of 'ready'");
    }

    /// <summary>Runs one phase of bench.js and records its result.</summary>
    public async Task<PhaseResult> RunPhaseAsync(string name, CancellationToken ct)
    {
        await _node!.StandardInput.WriteLineAsync(name.AsMemory(), ct);
        await _node.StandardInput.FlushAsync(ct);
        var p = JsonNode.Parse(await NextLineAsync(ct))!.AsObject();
        if ((string?)p["name"] != name) throw new InvalidOperationException($"bench.js ran '{(string?)p["name"]}' when '{name}' was expected");
        var result = new PhaseResult(name, (double)p["seconds"]!, (long)p["up"]!, (long)p["down"]!, (long)p["requests"]!, (double)p["cpuSeconds"]!);
        Phases.Add(result);
        return result;
    }

    /// <summary>Waits for node to verify peer B and exit; reads its facts.</summary>
    public async Task FinishAsync(CancellationToken ct)
    {
        _node!.StandardInput.Close();
        await _node.WaitForExitAsync(ct);
        if (_node.ExitCode != 0 || !File.Exists(_outFile)) throw new InvalidOperationException($"bench/pouchdb/bench.js failed with exit code {_node.ExitCode}");
        var result = JsonNode.Parse(await File.ReadAllTextAsync(_outFile, ct))!.AsObject();
        Facts["engine"] = (string)result["engine"]!;
        Facts["node"] = (string)result["node"]!;
        Facts["verified"] = (bool)result["verified"]!;
    }

    public async ValueTask DisposeAsync()
    {
        if (_node is null) return;
        try
        {
            if (!_node.HasExited)
            {
                _node.Kill(entireProcessTree: true);
                await _node.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException) { }
        _node.Dispose();
    }

    private async Task<string> NextLineAsync(CancellationToken ct)
    {
        try
        {
            return await _lines.Reader.ReadAsync(ct);
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException("bench/pouchdb/bench.js ended early (its output is above)");
        }
    }

    private static async Task WriteJsonLinesAsync(string file, IEnumerable<JsonObject> docs, CancellationToken ct)
    {
        await using var writer = new StreamWriter(file);
        foreach (var doc in docs) await writer.WriteLineAsync(doc.ToJsonString().AsMemory(), ct);
    }

    /// <summary>Runs a child process to its end, passing its output lines through to stderr.</summary>
    private static async Task<int> RunToEndAsync(string file, string[] args, string workingDirectory, CancellationToken ct)
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
