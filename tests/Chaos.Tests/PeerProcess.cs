using System.Diagnostics;
using System.Text;

namespace MyNoSql.Chaos.Tests;

/// <summary>
/// One tests/PeerWorker process (a real peer: its own data directory, journal of acknowledged writes). Can be
/// killed with SIGKILL while a sync round runs and restarted on the same directory.
/// </summary>
public sealed class PeerProcess : IDisposable
{
    private readonly string[] _args;
    private readonly StringBuilder _output = new();
    private Process? _process;
    private int _syncs;

    public PeerProcess(string name, string dataDirectory, string db, string journal, IEnumerable<string> mirrors, int seed, bool mirrorMode)
    {
        Name = name;
        DataDirectory = dataDirectory;
        Journal = journal;
        var args = new List<string> { "--data", dataDirectory, "--db", db, "--prefix", $"{name}/", "--journal", journal, "--seed", $"{seed}" };
        foreach (var m in mirrors) args.AddRange(["--mirror", m]);
        if (mirrorMode) args.Add("--mirror-mode");
        _args = [.. args];
    }

    public string Name { get; }

    public string DataDirectory { get; }

    public string Journal { get; }

    public int Starts { get; private set; }

    public int Kills { get; private set; }

    /// <summary>Sync rounds started since this process started ("SYNC" lines).</summary>
    public int SyncsStarted => Volatile.Read(ref _syncs);

    /// <summary>The last "ACKED n" line (not kept in <see cref="Output"/>: one per round).</summary>
    public string? LastAcked { get; private set; }

    public bool Done => Output.Contains("\nDONE", StringComparison.Ordinal) || Output.StartsWith("DONE", StringComparison.Ordinal);

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public void Start()
    {
        string worker = Path.Combine(AppContext.BaseDirectory, "MyNoSql.PeerWorker.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(worker);
        foreach (var a in _args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        Volatile.Write(ref _syncs, 0);
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data is null ? null : "stderr: " + e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Starts++;
    }

    /// <summary>Waits until a sync round is running (a "SYNC" line after <paramref name="after"/> rounds).</summary>
    public Task WaitForSyncAsync(int after, TimeSpan timeout) =>
        Poll.UntilAsync(() => Task.FromResult(SyncsStarted > after || _process!.HasExited), timeout, $"peer {Name} to start a sync round");

    /// <summary>SIGKILL: the round in flight is cut wherever it is.</summary>
    public async Task KillAsync()
    {
        var p = _process!;
        p.Kill(entireProcessTree: true);
        await p.WaitForExitAsync();
        p.Dispose();
        _process = null;
        Kills++;
        lock (_output) _output.AppendLine("--- SIGKILL ---");
    }

    /// <summary>Closes stdin: the worker syncs until its outbox is empty, prints DONE and exits.</summary>
    public async Task<int> FinishAsync(TimeSpan timeout)
    {
        var p = _process!;
        p.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout);
        await p.WaitForExitAsync(cts.Token);
        return p.ExitCode;
    }

    /// <summary>Every complete "id rev" line of the journal (a line cut by a kill has no newline and is ignored).</summary>
    public List<(string Id, string Rev)> ReadJournal()
    {
        var result = new List<(string, string)>();
        if (!File.Exists(Journal)) return result;
        string text = File.ReadAllText(Journal);
        int end = text.LastIndexOf('\n');
        if (end < 0) return result;
        foreach (var line in text[..end].Split('\n'))
        {
            int space = line.LastIndexOf(' ');
            if (space > 0) result.Add((line[..space], line[(space + 1)..]));
        }
        return result;
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        if (line == "SYNC") Interlocked.Increment(ref _syncs);
        else if (line.StartsWith("ACKED ", StringComparison.Ordinal)) LastAcked = line;
        else lock (_output) _output.AppendLine(line.Length > 400 ? line[..400] : line);
    }

    public void Dispose()
    {
        try
        {
            if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { }
        _process?.Dispose();
    }
}
