using System.Text.Json.Nodes;

namespace MyNoSql.Cli.Tests;

/// <summary>The shell driven through redirected stdin: plain lines, the rest of a line is the argument.</summary>
public sealed class ShellTests : IDisposable
{
    private readonly TempDirectory _dir = new("mynosql-cli-shell-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Every_shell_command_runs_from_a_script()
    {
        string script = """
            put {"id":"a","title":"first"}
            get a
            ls
            find {"title":"first"}
            help
            status
            exit
            get a
            """;
        var run = (await CliRun.WithInputAsync(script, "shell", "notes", "--data", _dir.Path)).Expect(0);
        Assert.Contains("saved a 1-", run.Out);
        Assert.Contains("\"title\": \"first\"", run.Out);
        Assert.Contains("{\"id\":\"a\",\"rev\":", run.Out); // find prints one record a line
        Assert.Contains("history ID", run.Out);             // help
        Assert.Contains("pending_writes: 1", run.Out);      // status
        Assert.DoesNotContain("error", run.Err); // find without an index warns on stderr, nothing fails

        // Save twice more, then walk back and forth through the edits with --json output.
        string rev1 = JsonNode.Parse((await CliRun.RunAsync("get", "notes", "a", "--data", _dir.Path, "--json")).Expect(0).Out)!["rev"]!.GetValue<string>();
        string edits = $$"""
            put {"id":"a","rev":"{{rev1}}","title":"second"}
            history a
            undo a
            get a
            redo a
            get a
            """;
        var json = (await CliRun.WithInputAsync(edits, "shell", "notes", "--data", _dir.Path, "--json")).Expect(0);
        var lines = json.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal("second", lines[0]["title"]!.GetValue<string>());
        Assert.Equal(2, lines[1]["history"]!.AsArray().Count);
        Assert.Equal("first", lines[3]["title"]!.GetValue<string>());
        Assert.Equal("second", lines[5]["title"]!.GetValue<string>());

        string rev = lines[5]["rev"]!.GetValue<string>();
        var del = (await CliRun.WithInputAsync($"del a {rev}\nget a\n", "shell", "notes", "--data", _dir.Path)).Expect(1);
        Assert.Contains("deleted a ", del.Out);
        Assert.Contains("not found", del.Err);
    }

    [Fact]
    public async Task Errors_print_and_the_session_goes_on_exit_code_of_the_last_failure()
    {
        string script = """
            frob x
            put {nope
            del a
            get missing
            put {"id":"ok"}
            """;
        var run = (await CliRun.WithInputAsync(script, "shell", "notes", "--data", _dir.Path)).Expect(1);
        Assert.Contains("unknown command 'frob'", run.Err);
        Assert.Contains("not valid JSON", run.Err);
        Assert.Contains("del ID REV", run.Err);
        Assert.Contains("'missing'", run.Err);
        Assert.Contains("saved ok", run.Out); // the last line still ran
    }

    [Fact]
    public void Tab_completion_completes_the_command_word()
    {
        var words = Shell.Repl.Commands.Select(c => c.Name).ToList();
        Assert.Equal(["history", "help"], Shell.LineEditor.Complete("h", words).Order().Reverse().ToList());
        Assert.Equal(["undo"], Shell.LineEditor.Complete("un", words));
        Assert.Empty(Shell.LineEditor.Complete("get a", words));
    }
}
