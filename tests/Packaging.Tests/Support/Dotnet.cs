using System.Diagnostics;
using System.Text;

namespace MyNoSql.Packaging.Tests.Support;

/// <summary>What a finished child process printed.</summary>
public sealed record ProcessResult(int ExitCode, string Output, string Error)
{
    /// <summary>Everything printed, for failure messages.</summary>
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>
/// Runs the <c>dotnet</c> CLI (or an app) as a user's shell would: no MSBuild settings inherited from the test run's own
/// build, no lingering MSBuild nodes, a hard timeout that kills the whole process tree.
/// </summary>
public static class Dotnet
{
    /// <summary><c>dotnet ARGS</c> in <paramref name="workingDirectory"/>; throws with the output when it fails.</summary>
    public static async Task<ProcessResult> RunAsync(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var result = await RunAnyAsync("dotnet", workingDirectory, timeout, args);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"dotnet {string.Join(' ', args)} failed in {workingDirectory}: {result}");
        return result;
    }

    /// <summary><paramref name="fileName"/> ARGS; the exit code is the caller's to judge.</summary>
    public static async Task<ProcessResult> RunAnyAsync(string fileName, string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in args) info.ArgumentList.Add(a);
        // A test run started by `dotnet test` carries its build's MSBuild variables; a user's shell has none.
        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var reading = Task.WhenAll(Pump(process.StandardOutput, stdout), Pump(process.StandardError, stderr));
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish within {timeout}:\n{stdout}\n{stderr}");
        }
        await reading;
        return new ProcessResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    private static async Task Pump(StreamReader reader, StringBuilder into)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (into) into.AppendLine(line);
        }
    }
}
