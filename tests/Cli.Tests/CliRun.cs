using System.Text.Json.Nodes;

namespace MyNoSql.Cli.Tests;

/// <summary>The result of one CLI run: exit code, stdout, stderr.</summary>
public sealed record CliRun(int Code, string Out, string Err)
{
    /// <summary>Runs the CLI's entry point in this process with captured stdout and stderr and the given stdin
    /// (redirected: the shell reads plain lines).</summary>
    public static async Task<CliRun> WithInputAsync(string? stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = new CliConsole(new StringReader(stdin ?? ""), output, error, InputRedirected: true, ErrorInteractive: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        int code = await CliApp.RunAsync(args, console, timeout.Token);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    public static Task<CliRun> RunAsync(params string[] args) => WithInputAsync(null, args);

    public JsonNode Json => JsonNode.Parse(Out) ?? throw new InvalidOperationException("stdout is JSON null");

    /// <summary>Fails with everything the run printed when the exit code is not <paramref name="expected"/>.</summary>
    public CliRun Expect(int expected)
    {
        Assert.True(Code == expected, $"exit code {Code}, expected {expected}\nstdout: {Out}\nstderr: {Err}");
        return this;
    }
}
