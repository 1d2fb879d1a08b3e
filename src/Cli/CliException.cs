namespace MyNoSql.Cli;

/// <summary>A failure the CLI reports with its own message and exit code (<see cref="ExitCodes"/>).</summary>
internal sealed class CliException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message) => new(ExitCodes.BadInput, message);

    public static CliException NotFound(string message) => new(ExitCodes.NotFoundOrConflict, message);
}
