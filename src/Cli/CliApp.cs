using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using MyNoSql.Cli.Clients;
using MyNoSql.Cli.Commands;
using MyNoSql.Cli.Keys;
using MyNoSql.Cli.Shell;

namespace MyNoSql.Cli;

/// <summary>The <c>mynosql</c> command line (DESIGN §11): the database first after the command, options last.</summary>
internal static class CliApp
{
    /// <summary>Runs one command line; returns the exit code. Tests call this in-process with captured writers.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken ct)
    {
        var options = new GlobalOptions();
        var root = Build(options, console);
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) await console.Error.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
            await console.Error.WriteLineAsync("Run 'mynosql --help' (or 'mynosql COMMAND --help') for usage.").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
        if (parsed.Action is HelpAction && parsed.CommandResult.Command is RootCommand rootCommand)
        {
            var help = new StringWriter();
            parsed.Invoke(new InvocationConfiguration { Output = help, Error = console.Error });
            await console.Out.WriteAsync(RootHelp.BracketOptionalArguments(help.ToString(), rootCommand)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        if (UnknownOption(parsed) is { } unknown)
        {
            await console.Error.WriteLineAsync($"error: unknown option '{unknown}' (a value that starts with -- goes after a lone --, e.g. ls DB -- {unknown}).").ConfigureAwait(false);
            await console.Error.WriteLineAsync("Run 'mynosql --help' (or 'mynosql COMMAND --help') for usage.").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false }, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync("cancelled").ConfigureAwait(false);
            return 130;
        }
        catch (Exception e)
        {
            var (code, message) = ErrorMap.Map(e);
            await console.Error.WriteLineAsync($"error: {message}").ConfigureAwait(false);
            return code;
        }
    }

    /// <summary>An argument that looks like an option no command has (<c>ls t1 --limit</c>): the parser would take it as
    /// the argument's value (the PREFIX "--limit"), so it is refused unless it follows a lone <c>--</c>.</summary>
    private static string? UnknownOption(ParseResult parsed)
    {
        foreach (var token in parsed.Tokens)
        {
            if (token.Type == TokenType.DoubleDash) return null;
            if (token.Type == TokenType.Argument && token.Value.Length > 2 && token.Value.StartsWith("--", StringComparison.Ordinal)) return token.Value;
        }
        return null;
    }

    private static RootCommand Build(GlobalOptions options, CliConsole console)
    {
        var root = new RootCommand("mynosql: read and write MyNoSql databases on a local peer (--data DIR) or a mirror (--mirror URL).");
        options.AddTo(root);
        var db = () => new Argument<string>("DB") { Description = "Database name" };

        root.Add(DbCommand(options, console, "put", "Save a record: put DB '{\"id\":\"a\",\"v\":1}' (with its rev to update)", db(),
            [new Argument<string>("JSON") { Description = "The record, a JSON object" }],
            (ops, r, a, ct) => ops.PutAsync(r.GetValue((Argument<string>)a[0])!, ct)));
        root.Add(DbCommand(options, console, "get", "Print a record", db(),
            [new Argument<string>("ID")],
            (ops, r, a, ct) => ops.GetAsync(r.GetValue((Argument<string>)a[0])!, ct)));
        root.Add(DbCommand(options, console, "del", "Delete a record at its current rev", db(),
            [new Argument<string>("ID"), new Argument<string>("REV")],
            (ops, r, a, ct) => ops.DeleteAsync(r.GetValue((Argument<string>)a[0])!, r.GetValue((Argument<string>)a[1])!, ct)));
        root.Add(DbCommand(options, console, "ls", "List live record ids (in order), optionally under a prefix", db(),
            [new Argument<string>("PREFIX") { Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "" }],
            (ops, r, a, ct) => ops.ListAsync(r.GetValue((Argument<string>)a[0]) ?? "", ct)));
        root.Add(DbCommand(options, console, "find", "Run a Mango query: find DB '{\"selector\":{\"type\":\"order\"},\"limit\":10}'", db(),
            [new Argument<string>("QUERY") { Description = "A Mango query (or a bare selector)" }],
            (ops, r, a, ct) => ops.FindAsync(r.GetValue((Argument<string>)a[0])!, ct)));
        root.Add(DbCommand(options, console, "status", "Local peer: pending writes, mirror in use, last error. Mirror: the database's counts", db(), [],
            (ops, _, _, ct) => ops.StatusAsync(ct)));
        root.Add(SyncCommand.Build(options, console, db()));
        root.Add(TransferCommands.Import(options, console, db()));
        root.Add(TransferCommands.Export(options, console, db()));
        root.Add(ShellCommand.Build(options, console, db()));
        root.Add(KeysCommand.Build(options, console));
        return root;
    }

    /// <summary>A command "NAME DB ARGS…" that opens the database, runs one operation and closes it.</summary>
    internal static Command DbCommand(GlobalOptions options, CliConsole console, string name, string description, Argument<string> db,
        Argument[] args, Func<Operations, ParseResult, Argument[], CancellationToken, Task<int>> run)
    {
        var command = new Command(name, description) { db };
        foreach (var a in args) command.Add(a);
        command.SetAction(async (r, ct) =>
        {
            var settings = options.Read(r);
            await using IDatabaseClient client = await settings.OpenAsync(r.GetValue(db)!, background: false, ct).ConfigureAwait(false);
            return await run(new Operations(client, console, settings.Json), r, args, ct).ConfigureAwait(false);
        });
        return command;
    }
}
