using System.Diagnostics;
using System.Threading.Channels;

namespace MyNoSql.PeerClient.Tests;

/// <summary>Runs tests/CrashWorker as a real child process and streams its stdout lines.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    private ChildProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) _lines.Writer.TryComplete();
            else _lines.Writer.TryWrite(e.Data);
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static ChildProcess Start(params string[] args)
    {
        string worker = Path.Combine(AppContext.BaseDirectory, "MyNoSql.CrashWorker.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(worker);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return new ChildProcess(Process.Start(psi)!);
    }

    public ChannelReader<string> Lines => _lines.Reader;

    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await foreach (var line in _lines.Reader.ReadAllAsync(cts.Token))
        {
            if (match(line)) return line;
        }
        throw new InvalidOperationException("The child process ended before printing the expected line.");
    }

    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>SIGKILL on Unix: no cleanup code runs in the child.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); return true; }
        catch (OperationCanceledException) { return false; }
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
