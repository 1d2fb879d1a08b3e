using System.Diagnostics;
using System.Text;

namespace MyNoSql.Pouch.Tests.Support;

/// <summary>
/// pouchdb-server 4.2 (from tests/Pouch.Tests/js/node_modules) on a free 127.0.0.1 port with its LevelDB files in a
/// temp folder, so it survives a SIGKILL and restart: the reference server the scenario scripts are validated
/// against, and the baseline of the bench.
/// </summary>
public sealed class PouchServer : IAsyncDisposable
{
    private readonly TempDirectory _data = new("mynosql-pouchdb-server-");
    private readonly StringBuilder _output = new();
    private Process? _process;

    public int Port { get; private set; }

    public string Url => $"http://127.0.0.1:{Port}";

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Starts the server (on a fresh port the first time, the same port on a restart) and waits until it answers.</summary>
    public async Task StartAsync(HttpClient http, TimeSpan timeout)
    {
        for (int attempt = 1; ; attempt++)
        {
            if (Port == 0 || attempt > 1) Port = FreePorts.Next();
            Launch();
            try
            {
                await WaitReadyAsync(http, timeout);
                return;
            }
            catch (InvalidOperationException) when (attempt < 3 && _process!.HasExited)
            {
                // The port was taken meanwhile: try another.
            }
        }
    }

    /// <summary>Restarts on the same port and data (after <see cref="KillAsync"/>).</summary>
    public async Task RestartAsync(HttpClient http, TimeSpan timeout)
    {
        Launch();
        await WaitReadyAsync(http, timeout);
    }

    /// <summary>SIGKILL.</summary>
    public async Task KillAsync()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        _data.Dispose();
    }

    private void Launch()
    {
        _process?.Dispose();
        string bin = Path.Combine(NodeScripts.Directory, "node_modules", "pouchdb-server", "bin", "pouchdb-server");
        var info = NodeScripts.Start("node", [bin, "--port", $"{Port}", "--dir", _data.Path,
            "--config", Path.Combine(_data.Path, "config.json"), "--no-stdout-logs"]);
        info.WorkingDirectory = _data.Path;
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private async Task WaitReadyAsync(HttpClient http, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
                throw new InvalidOperationException($"pouchdb-server on port {Port} exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using var response = await http.GetAsync($"{Url}/");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException($"pouchdb-server on port {Port} did not answer within {timeout}:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }
}
