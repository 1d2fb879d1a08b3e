using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MyNoSql.Soak;

/// <summary>A child process (<c>dotnet exec X.dll …</c>: the pid is the program itself) whose last output lines are kept.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly Queue<string> _errorLines = new();
    private int _errors;
    private int _warnings;
    private int _acked;

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    /// <summary>Logged errors ("fail:"/"crit:" lines of a mirror, "ERR" lines of the peer worker).</summary>
    public int ErrorLines => Volatile.Read(ref _errors);

    /// <summary>"warn:" lines of a mirror.</summary>
    public int WarningLines => Volatile.Read(ref _warnings);

    /// <summary>Sync rounds of the peer worker that left its outbox empty ("ACKED" lines).</summary>
    public int AckedRounds => Volatile.Read(ref _acked);

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Tail
    {
        get { lock (_tail) return string.Join("\n", _tail); }
    }

    public static ChildProcess Start(string name, string dll, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var child = new ChildProcess(name, Process.Start(psi)!);
        child._process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Resident set size in bytes from /proc/&lt;pid&gt;/status: VmRSS and its parts RssAnon (heaps, stacks),
    /// RssFile (mapped files: assemblies, native libraries) and RssShmem; null once the process is gone.</summary>
    public (long Total, long Anon, long File, long Shmem)? Rss()
    {
        try
        {
            long total = 0, anon = 0, file = 0, shmem = 0;
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) total = Kb(line);
                else if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) anon = Kb(line);
                else if (line.StartsWith("RssFile:", StringComparison.Ordinal)) file = Kb(line);
                else if (line.StartsWith("RssShmem:", StringComparison.Ordinal)) shmem = Kb(line);
            }
            return total == 0 ? null : (total, anon, file, shmem);
        }
        catch (IOException) { }
        return null;

        static long Kb(string line) => long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Closes stdin (the peer worker's "finish" signal).</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>SIGTERM, then waits up to <paramref name="timeout"/> (SIGKILL after that).</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        await WaitAsync(timeout);
    }

    public async Task<bool> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            return false;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }

    /// <summary>The first error lines (for the report).</summary>
    public string[] FirstErrors
    {
        get { lock (_tail) return [.. _errorLines]; }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        if (line.StartsWith("ACKED ", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _acked);
            return;
        }
        if (line == "SYNC") return;
        bool error = line.Contains(" fail: ", StringComparison.Ordinal) || line.Contains(" crit: ", StringComparison.Ordinal) || line.StartsWith("ERR ", StringComparison.Ordinal);
        if (error) Interlocked.Increment(ref _errors);
        if (line.Contains(" warn: ", StringComparison.Ordinal)) Interlocked.Increment(ref _warnings);
        lock (_tail)
        {
            _tail.Enqueue(line.Length > 500 ? line[..500] : line);
            if (error && _errorLines.Count < 10) _errorLines.Enqueue(line.Length > 1000 ? line[..1000] : line);
            while (_tail.Count > 40) _tail.Dequeue();
        }
    }
}
