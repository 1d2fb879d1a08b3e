using System.Text.Json;
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
        ArgumentException or FormatException or JsonException => (ExitCodes.BadInput, $"bad input: {e.Message}"),
        // "nothing to undo/redo" and the other refusals of a record's current state.
        MyNoSqlException => (ExitCodes.NotFoundOrConflict, e.Message),
        HttpRequestException => (ExitCodes.Unreachable, $"unreachable: {e.Message}"),
        UnauthorizedAccessException or IOException => (ExitCodes.BadInput, e.Message),
        _ => (ExitCodes.NotFoundOrConflict, $"unexpected error: {e}"),
    };
}
