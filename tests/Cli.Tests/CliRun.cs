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
        var console = new CliConsole(new StringReader(stdin ?? ""), output, error, InputRedirected: true, ErrorInteractive: false)
        {
            // As a pipe is: read once, no seeking, no length (import DB -).
            OpenInput = () => new PipeStream(System.Text.Encoding.UTF8.GetBytes(stdin ?? "")),
        };
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

/// <summary>Bytes that can be read once, front to back, as from a pipe: no Length, Position or Seek.</summary>
internal sealed class PipeStream(byte[] bytes) : Stream
{
    private int _at;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        int n = Math.Min(count, Math.Min(bytes.Length - _at, 7)); // short reads, as a pipe gives
        Array.Copy(bytes, _at, buffer, offset, n);
        _at += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
