using System.Diagnostics;

namespace MyNoSql.Cli.Tests;

/// <summary>The built tool as a real process: exit codes, stdout and stderr as a shell script sees them.</summary>
public sealed class ProcessTests : IDisposable
{
    private readonly TempDirectory _dir = new("mynosql-cli-proc-");

    public void Dispose() => _dir.Dispose();

    /// <summary>The tool from its own output folder (its deps.json and runtimeconfig, not the test host's).</summary>
    private static string ToolDll => Path.Combine(RepoPaths.Root, "src", "Cli", "bin", RepoPaths.Configuration, "net10.0", "mynosql.dll");

    private async Task<(int Code, string Out, string Err)> RunAsync(string? stdin, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add(ToolDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var p = Process.Start(info)!;
        if (stdin is not null) await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task The_tool_process_reports_exit_codes_and_reads_a_piped_shell_script()
    {
        var put = await RunAsync(null, "put", "proc", """{"id":"a","v":1}""", "--data", _dir.Path);
        Assert.True(put.Code == 0, put.Err);
        var missing = await RunAsync(null, "get", "proc", "b", "--data", _dir.Path);
        Assert.Equal(1, missing.Code);
        Assert.Contains("'b'", missing.Err);
        var bad = await RunAsync(null, "put", "proc", "{", "--data", _dir.Path);
        Assert.Equal(2, bad.Code);
        var shell = await RunAsync("get a\nls\n", "shell", "proc", "--data", _dir.Path);
        Assert.True(shell.Code == 0, shell.Err);
        Assert.Contains("\"v\": 1", shell.Out);
        Assert.DoesNotContain("mynosql shell:", shell.Out); // no banner nor prompt when stdin is redirected
    }

    [Fact]
    public async Task Import_reads_a_real_pipe_as_dev_stdin_or_dash()
    {
        // Once: "unexpected error: System.NotSupportedException: Stream does not support seeking" and a stack trace, exit 1.
        string ndjson = string.Join("\n", Enumerable.Range(0, 1500).Select(i => $$"""{"id":"s{{i:D4}}"}""")) + "\n";
        var viaDevice = await RunAsync(ndjson, "import", "piped", "/dev/stdin", "--data", _dir.Path);
        Assert.True(viaDevice.Code == 0, viaDevice.Err);
        Assert.Contains($"imported {1500:N0} records", viaDevice.Out);
        var viaDash = await RunAsync("""[{"id":"a1"},{"id":"a2"}]""", "import", "piped2", "-", "--data", _dir.Path, "--json");
        Assert.True(viaDash.Code == 0, viaDash.Err);
        Assert.Contains("\"imported\":2", viaDash.Out);
        var bad = await RunAsync("{\"id\":\"b\"}\nnot json\n", "import", "piped3", "-", "--data", _dir.Path);
        Assert.Equal(2, bad.Code);
        Assert.Contains("-:2: not valid JSON", bad.Err);
        Assert.DoesNotContain("   at ", bad.Err);
    }
}
