namespace MyNoSql.Cli;

/// <summary>The CLI's exit codes (DESIGN §11).</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>No such record (or nothing to undo/redo), or a revision conflict.</summary>
    public const int NotFoundOrConflict = 1;

    /// <summary>Bad usage or bad input: unknown command or option, invalid JSON, id, database name, file, rejected key.</summary>
    public const int BadInput = 2;

    /// <summary>The database cannot be reached: mirror down or timing out, local database locked by another process.</summary>
    public const int Unreachable = 3;
}
