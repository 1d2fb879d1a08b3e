namespace MyNoSql.Cli.Clients;

/// <summary>A record of a batch the database refused (a conflict, an invalid or too large record); the batch's other
/// records were saved.</summary>
/// <param name="Index">Its index in the batch.</param>
/// <param name="ExitCode"><see cref="ExitCodes.NotFoundOrConflict"/> or <see cref="ExitCodes.BadInput"/>.</param>
/// <param name="Reason">Why, as the CLI prints it ("conflict: …", "bad input: …").</param>
internal sealed record RecordRefusal(int Index, int ExitCode, string Reason);
