using System.CommandLine;
using MyNoSql.Cli.Clients;
using MyNoSql.Cli.Commands;

namespace MyNoSql.Cli.Shell;

/// <summary><c>shell DB</c>: the interactive client (pyzdb's prompt), one database open for the whole session.</summary>
internal static class ShellCommand
{
    public static Command Build(GlobalOptions options, CliConsole console, Argument<string> db)
    {
        var command = new Command("shell", "Interactive shell on one database: get, put, del, ls, find, history, undo, redo, sync, status, help, exit") { db };
        command.SetAction(async (r, ct) =>
        {
            var settings = options.Read(r);
            // The session is long-lived: a local peer with mirrors syncs in the background as an application would.
            await using IDatabaseClient client = await settings.OpenAsync(r.GetValue(db)!, background: true, ct).ConfigureAwait(false);
            var repl = new Repl(new Operations(client, console, settings.Json), console);
            return await repl.RunAsync(ct).ConfigureAwait(false);
        });
        return command;
    }
}
