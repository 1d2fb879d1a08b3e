using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace MyNoSql.Pouch.Tests.Support;

/// <summary>
/// The node side: checks that node and npm are installed (a clear failure otherwise — CI must install them), runs
/// <c>npm ci</c> in <c>tests/Pouch.Tests/js</c> when its node_modules is missing or older than package-lock.json,
/// and runs one scenario script, returning its JSON result line.
/// </summary>
public static class NodeScripts
{
    public static string Directory { get; } = Path.Combine(RepoPaths.Root, "tests", "Pouch.Tests", "js");

    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static bool _installed;

    /// <summary>Throws with what to install when node or npm is missing; runs <c>npm ci</c> once when needed.</summary>
    public static async Task EnsureInstalledAsync()
    {
        await InstallGate.WaitAsync();
        try
        {
            if (_installed) return;
            string node = await VersionOfAsync("node");
            string npm = await VersionOfAsync("npm");
            if (!int.TryParse(node.TrimStart('v').Split('.')[0], out int major) || major < 18)
                throw new InvalidOperationException(
                    $"node {node} is too old: the PouchDB tests need Node.js 18+ (global fetch; PouchDB 9). Install a newer Node.js (e.g. NodeSource packages).");
            string modules = Path.Combine(Directory, "node_modules");
            string marker = Path.Combine(modules, ".package-lock.json");
            if (!File.Exists(marker) || File.GetLastWriteTimeUtc(marker) < File.GetLastWriteTimeUtc(Path.Combine(Directory, "package-lock.json")))
            {
                var (code, output) = await RunToEndAsync("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(10));
                if (code != 0)
                    throw new InvalidOperationException($"`npm ci` in {Directory} failed with {code} (node {node}, npm {npm}):\n{output}");
            }
            _installed = true;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>
    /// Runs <c>node {script} {args}</c> in the js folder; <paramref name="onLine"/> sees every stdout line (the kill
    /// scenario's events) and may answer on the script's stdin. Returns the result line (the last JSON object with a
    /// <c>scenario</c> property), or throws with the whole output when there is none.
    /// </summary>
    public static async Task<JsonElement> RunAsync(string script, IEnumerable<string> args, TimeSpan timeout,
        Func<JsonElement, StreamWriter, Task>? onLine = null)
    {
        var info = Start("node", [Path.Combine(Directory, script), .. args]);
        using var process = new Process { StartInfo = info };
        var stderr = new StringBuilder();
        var stdout = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        JsonElement? result = null;
        try
        {
            while (await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
            {
                stdout.AppendLine(line);
                if (!line.StartsWith('{')) continue;
                JsonElement json;
                try { json = JsonDocument.Parse(line).RootElement.Clone(); }
                catch (JsonException) { continue; }
                if (json.TryGetProperty("scenario", out _)) result = json;
                else if (onLine is not null) await onLine(json, process.StandardInput);
            }
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {script} did not finish within {timeout}:\n{stdout}\n--- stderr ---\n{Text(stderr)}");
        }
        return result ?? throw new InvalidOperationException(
            $"node {script} exited with {process.ExitCode} without a result line:\n{stdout}\n--- stderr ---\n{Text(stderr)}");
    }

    /// <summary>A failure message for an unexpected result: the whole result line.</summary>
    public static string Describe(JsonElement result) => $"scenario result: {result.GetRawText()}";

    internal static ProcessStartInfo Start(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        return info;
    }

    private static async Task<string> VersionOfAsync(string tool)
    {
        try
        {
            var (code, output) = await RunToEndAsync(tool, ["--version"], TimeSpan.FromMinutes(1));
            if (code == 0) return output.Trim();
            throw new InvalidOperationException($"`{tool} --version` exited with {code}: {output}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"`{tool}` is not installed or not on PATH ({e.Message}). The PouchDB tests need Node.js 18+ and npm: " +
                "install them (Debian/Ubuntu: apt-get install nodejs npm; .ci/run does this) and run `npm ci` in tests/Pouch.Tests/js.", e);
        }
    }

    private static async Task<(int Code, string Output)> RunToEndAsync(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        using var process = new Process { StartInfo = Start(file, args) };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{file} {string.Join(' ', args)}` did not finish within {timeout}:\n{Text(output)}");
        }
        return (process.ExitCode, Text(output));
    }

    private static string Text(StringBuilder b)
    {
        lock (b) return b.ToString();
    }
}
