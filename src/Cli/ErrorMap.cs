using System.Text.Json;
using MyNoSql.Cli.Commands;
using MyNoSql.Sync;

namespace MyNoSql.Cli;

/// <summary>Exit code and stderr message for an exception escaping a command (DESIGN §11: 1 not found or conflict,
/// 2 bad usage or input, 3 unreachable).</summary>
internal static class ErrorMap
{
    public static (int Code, string Message) Map(Exception e) => e switch
    {
        CliException c => (c.ExitCode, c.Message),
        DocumentNotFoundException => (ExitCodes.NotFoundOrConflict, $"not found: {e.Message}"),
        RevisionConflictException => (ExitCodes.NotFoundOrConflict, $"conflict: {e.Message}"),
        PatchTestFailedException => (ExitCodes.NotFoundOrConflict, e.Message),
        DatabaseLockedException => (ExitCodes.Unreachable, e.Message),
        CredentialRejectedException => (ExitCodes.BadInput, $"{e.Message} (check --api-key)"),
        MirrorUnavailableException => (ExitCodes.Unreachable, e.Message),
        CorruptDataException => (ExitCodes.Unreachable, $"damaged database file: {e.Message}"),
        ArgumentException a => (ExitCodes.BadInput, $"bad input: {WithoutParameter(a)}"),
        FormatException or JsonException or ImportInputException => (ExitCodes.BadInput, $"bad input: {e.Message}"),
        // "nothing to undo/redo" and the other refusals of a record's current state.
        MyNoSqlException => (ExitCodes.NotFoundOrConflict, e.Message),
        HttpRequestException => (ExitCodes.Unreachable, $"unreachable: {e.Message}"),
        UnauthorizedAccessException or IOException => (ExitCodes.BadInput, e.Message),
        // No stack trace for people (DESIGN §11: a message on stderr), but what failed.
        _ => (ExitCodes.NotFoundOrConflict, $"unexpected error: {e.GetType().Name}: {e.Message}"),
    };

    /// <summary>An argument check's message without .NET's " (Parameter 'name')" suffixes, which name our code, not
    /// the user's input (as the gateway's reasons).</summary>
    private static string WithoutParameter(ArgumentException e)
    {
        if (e.ParamName is null) return e.Message;
        string suffix = $" (Parameter '{e.ParamName}')";
        string message = e.Message;
        while (message.EndsWith(suffix, StringComparison.Ordinal)) message = message[..^suffix.Length];
        return message;
    }
}
