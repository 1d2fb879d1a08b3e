namespace MyNoSql.Cli.Shell;

using MyNoSql.Cli.Commands;

/// <summary>
/// The shell's loop: a line is a command word and the rest of the line, taken raw as its argument
/// (<c>put {"id":"a","v":1}</c>, <c>find {"type":"order"}</c>, <c>del ID REV</c>). A failing command prints its error
/// and the session goes on. Interactive input gets line editing, history and tab completion (<see cref="LineEditor"/>);
/// redirected input is read as plain lines, and the shell then exits with the last failing command's code.
/// </summary>
internal sealed class Repl(Operations ops, CliConsole console)
{
    /// <summary>The shell's commands, for help and tab completion.</summary>
    public static readonly IReadOnlyList<(string Name, string Usage)> Commands =
    [
        ("get", "get ID                 print a record"),
        ("put", "put JSON               save a record, e.g. put {\"id\":\"a\",\"v\":1} (with its rev to update)"),
        ("del", "del ID REV             delete a record at its current rev"),
        ("ls", "ls [PREFIX]            list live ids"),
        ("find", "find QUERY             Mango query, or a bare selector: find {\"type\":\"order\"}"),
        ("history", "history ID             kept revisions, newest first"),
        ("undo", "undo ID                new revision with the previous content"),
        ("redo", "redo ID                re-apply what the last undo took back"),
        ("sync", "sync                   one sync round (local peer)"),
        ("status", "status                 pending writes, mirror in use, last error"),
        ("help", "help                   this list"),
        ("exit", "exit                   leave (also quit, Ctrl+D)"),
    ];

    public async Task<int> RunAsync(CancellationToken ct)
    {
        int last = ExitCodes.Ok;
        using var editor = console.InputRedirected ? null : new LineEditor(console.Out, [.. Commands.Select(c => c.Name), "quit"], LineEditor.DefaultHistoryFile);
        if (editor is not null)
            console.Out.WriteLine($"mynosql shell: database '{ops.Client.Database}' on {ops.Client.Target}. 'help' lists the commands, Tab completes them.");
        while (!ct.IsCancellationRequested)
        {
            string? line = editor is not null ? editor.ReadLine($"{ops.Client.Database}> ") : await console.In.ReadLineAsync(ct).ConfigureAwait(false);
            if (line is null) break;
            line = line.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int space = line.IndexOfAny([' ', '\t']);
            string word = (space < 0 ? line : line[..space]).ToLowerInvariant();
            string rest = space < 0 ? "" : line[(space + 1)..].Trim();
            if (word is "exit" or "quit") break;
            try
            {
                await RunOneAsync(word, rest, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                var (code, message) = ErrorMap.Map(e);
                console.Error.WriteLine($"error: {message}");
                last = code;
            }
            await console.Out.FlushAsync(ct).ConfigureAwait(false);
        }
        return console.InputRedirected ? last : ExitCodes.Ok;
    }

    private Task<int> RunOneAsync(string word, string rest, CancellationToken ct)
    {
        switch (word)
        {
            case "get": return ops.GetAsync(rest, ct);
            case "put": return ops.PutAsync(rest, ct);
            case "del":
                var parts = rest.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (parts.Length != 2) throw CliException.Usage("del: give the id and the current rev: del ID REV");
                return ops.DeleteAsync(parts[0], parts[1], ct);
            case "ls": return ops.ListAsync(rest, ct);
            case "find": return ops.FindAsync(rest, ct);
            case "history": return ops.HistoryAsync(rest, ct);
            case "undo": return ops.UndoRedoAsync(rest, redo: false, ct);
            case "redo": return ops.UndoRedoAsync(rest, redo: true, ct);
            case "sync": return ops.SyncAsync(ct);
            case "status": return ops.StatusAsync(ct);
            case "help" or "?":
                foreach (var (_, usage) in Commands) console.Out.WriteLine("  " + usage);
                return Task.FromResult(ExitCodes.Ok);
            default:
                throw CliException.Usage($"unknown command '{word}' ('help' lists them: {string.Join(", ", Commands.Select(c => c.Name))}).");
        }
    }
}
