using System.Diagnostics;
using System.Text;

namespace MyNoSql.Tests.Support;

/// <summary>One real mirror: <c>dotnet MyNoSql.Silo.dll</c> with the given options, its output kept for diagnostics.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SiloProcess(Process process, int httpPort, int siloPort, int gatewayPort, bool tls)
    {
        _process = process;
        HttpPort = httpPort;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        BaseUrl = $"{(tls ? "https" : "http")}://127.0.0.1:{httpPort}";
    }

    public int HttpPort { get; }

    public int SiloPort { get; }

    /// <summary>The Orleans gateway port (for orleans:// peers); 0 when not given.</summary>
    public int GatewayPort { get; }

    public string BaseUrl { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Starts a mirror on fresh ports (unless given in <paramref name="extra"/>' companions) with <paramref name="dataDirectory"/>.</summary>
    public static SiloProcess Start(string dataDirectory, int httpPort, int siloPort, int gatewayPort, params string[] extra)
    {
        var args = new List<string> { RepoPaths.SiloDll, "--data", dataDirectory, "--http-port", $"{httpPort}",
            "--silo-port", $"{siloPort}", "--gateway-port", $"{gatewayPort}" };
        args.AddRange(extra);
        return Run(args, httpPort, siloPort, gatewayPort);
    }

    /// <summary>
    /// Starts a mirror on fresh ports in <c>{dataRoot}/m{attempt}</c> and waits until it is healthy; a mirror that exits
    /// while starting (a port taken meanwhile by another process) is tried again on fresh ports, up to three times.
    /// </summary>
    public static async Task<SiloProcess> StartHealthyAsync(string dataRoot, HttpClient http, params string[] extra)
    {
        for (int attempt = 1; ; attempt++)
        {
            var silo = Start(Path.Combine(dataRoot, $"m{attempt}"), FreePorts.Next(), FreePorts.Next(), FreePorts.Next(), extra);
            try
            {
                await silo.WaitHealthyAsync(http, TimeSpan.FromSeconds(90));
                return silo;
            }
            catch (Exception) when (attempt < 3 && silo.HasExited)
            {
                await silo.DisposeAsync();
            }
            catch
            {
                await silo.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Runs the silo host with exactly <paramref name="arguments"/> (for command-line tests).</summary>
    public static SiloProcess Run(IEnumerable<string> arguments, int httpPort = 0, int siloPort = 0, int gatewayPort = 0)
    {
        if (!File.Exists(RepoPaths.SiloDll))
            throw new FileNotFoundException($"The silo host is not built at {RepoPaths.SiloDll}.");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var silo = new SiloProcess(process, httpPort, siloPort, gatewayPort, info.ArgumentList.Contains("--tls-cert"));
        process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Waits until <c>/healthz</c> answers 200; throws with the mirror's output when it exits or times out.</summary>
    public async Task WaitHealthyAsync(HttpClient http, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"Mirror {BaseUrl} exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using var response = await http.GetAsync($"{BaseUrl}/healthz");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException($"Mirror {BaseUrl} not healthy after {timeout}:\n{Output}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a power cut or an OOM kill.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>SIGSTOP: the mirror hangs with its sockets open (connections are still accepted), as a frozen VM does.</summary>
    public Task PauseAsync() => SignalAsync("STOP");

    /// <summary>SIGCONT after <see cref="PauseAsync"/>; harmless when the mirror is not paused or has exited.</summary>
    public Task ResumeAsync() => _process.HasExited ? Task.CompletedTask : SignalAsync("CONT");

    /// <summary>SIGTERM, as a service manager stops a mirror; waits for the exit.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return _process.ExitCode;
        await SignalAsync("TERM");
        try
        {
            return await WaitForExitAsync(timeout);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Mirror {BaseUrl} did not stop within {timeout} of SIGTERM:\n{Output}");
        }
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) await StopAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception)
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }
}
