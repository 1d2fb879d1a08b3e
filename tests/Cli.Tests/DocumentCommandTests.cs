using System.Text.Json.Nodes;

namespace MyNoSql.Cli.Tests;

/// <summary>put, get, del, ls, find, status against a temporary local peer (--data), exit codes and messages.</summary>
public sealed class DocumentCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new("mynosql-cli-");

    private string Data => _dir.Path;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Put_get_ls_find_del_round_trip()
    {
        var put = (await CliRun.RunAsync("put", "shop", """{"id":"order/1","type":"order","total":120}""", "--data", Data, "--json")).Expect(0);
        string rev = put.Json["rev"]!.GetValue<string>();
        Assert.Equal("order/1", put.Json["id"]!.GetValue<string>());
        (await CliRun.RunAsync("put", "shop", """{"id":"order/2","type":"order","total":80}""", "--data", Data)).Expect(0);
        (await CliRun.RunAsync("put", "shop", """{"id":"user/1","type":"user"}""", "--data", Data)).Expect(0);

        var get = (await CliRun.RunAsync("get", "shop", "order/1", "--data", Data, "--json")).Expect(0);
        Assert.Equal(120, get.Json["total"]!.GetValue<int>());
        Assert.Equal(rev, get.Json["rev"]!.GetValue<string>());
        var human = (await CliRun.RunAsync("get", "shop", "order/1", "--data", Data)).Expect(0);
        Assert.Contains("\"total\": 120", human.Out);

        var ls = (await CliRun.RunAsync("ls", "shop", "order/", "--data", Data)).Expect(0);
        Assert.Equal(["order/1", "order/2"], ls.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var lsJson = (await CliRun.RunAsync("ls", "shop", "--data", Data, "--json")).Expect(0);
        Assert.Equal(3, lsJson.Json["ids"]!.AsArray().Count);

        var find = (await CliRun.RunAsync("find", "shop", """{"selector":{"type":"order","total":{"$gte":100}}}""", "--data", Data, "--json")).Expect(0);
        var docs = find.Json["docs"]!.AsArray();
        Assert.Single(docs);
        Assert.Equal("order/1", docs[0]!["id"]!.GetValue<string>());
        Assert.True(find.Json.AsObject().ContainsKey("bookmark"));
        var bare = (await CliRun.RunAsync("find", "shop", """{"type":"user"}""", "--data", Data)).Expect(0);
        Assert.Contains("\"user/1\"", bare.Out);

        var del = (await CliRun.RunAsync("del", "shop", "order/1", rev, "--data", Data, "--json")).Expect(0);
        Assert.StartsWith("2-", del.Json["rev"]!.GetValue<string>());
        (await CliRun.RunAsync("get", "shop", "order/1", "--data", Data)).Expect(1);
    }

    [Fact]
    public async Task Not_found_and_conflicts_exit_1_naming_the_record()
    {
        var missing = (await CliRun.RunAsync("get", "shop", "nope", "--data", Data)).Expect(1);
        Assert.Contains("'nope'", missing.Err);
        Assert.Equal("", missing.Out);
        (await CliRun.RunAsync("put", "shop", """{"id":"a","v":1}""", "--data", Data)).Expect(0);
        var stale = (await CliRun.RunAsync("put", "shop", """{"id":"a","v":2}""", "--data", Data)).Expect(1); // no rev: a conflict
        Assert.Contains("conflict", stale.Err);
        var wrongRev = (await CliRun.RunAsync("del", "shop", "a", "1-00000000000000000000000000000000", "--data", Data)).Expect(1);
        Assert.Contains("conflict", wrongRev.Err);
        (await CliRun.RunAsync("del", "shop", "nope", "1-00000000000000000000000000000000", "--data", Data)).Expect(1);
    }

    [Theory]
    [InlineData("bad JSON", new[] { "put", "shop", "{\"id\":", "--data", "DATA" }, "not valid JSON")]
    [InlineData("not an object", new[] { "put", "shop", "[1,2]", "--data", "DATA" }, "must be a JSON object")]
    [InlineData("bad query", new[] { "find", "shop", "{\"selector\":{\"v\":{\"$bogus\":1}}}", "--data", "DATA" }, "$bogus")]
    [InlineData("bad db name", new[] { "get", "Shop!", "a", "--data", "DATA" }, "'Shop!' is not a database name")]
    [InlineData("no target", new[] { "get", "shop", "a" }, "--data DIR")]
    [InlineData("both targets", new[] { "get", "shop", "a", "--data", "DATA", "--mirror", "http://127.0.0.1:9" }, "not both")]
    [InlineData("unknown command", new[] { "frobnicate", "shop" }, "frobnicate")]
    [InlineData("missing argument", new[] { "del", "shop", "a", "--data", "DATA" }, "REV")]
    [InlineData("bad mirror url", new[] { "get", "shop", "a", "--mirror", "ftp://x" }, "ftp://x")]
    [InlineData("bad id", new[] { "put", "shop", "{\"id\":\"\"}", "--data", "DATA" }, "id")]
    [InlineData("unknown option as PREFIX", new[] { "ls", "shop", "--limit", "--data", "DATA" }, "unknown option '--limit'")]
    [InlineData("bad timeout", new[] { "get", "shop", "a", "--data", "DATA", "--timeout", "1e300" }, "--timeout")]
    public async Task Bad_usage_or_input_exits_2_and_says_what(string what, string[] args, string named)
    {
        var run = (await CliRun.RunAsync([.. args.Select(a => a == "DATA" ? Data : a)])).Expect(2);
        Assert.True(run.Err.Contains(named, StringComparison.Ordinal), $"{what}: stderr does not name '{named}': {run.Err}");
        Assert.Equal("", run.Out);
        Assert.DoesNotContain("(Parameter '", run.Err); // names our code, not the input
    }

    [Fact]
    public async Task An_argument_that_starts_with_dashes_goes_after_a_lone_double_dash()
    {
        (await CliRun.RunAsync("put", "dash", """{"id":"--limit/a"}""", "--data", Data)).Expect(0);
        var ls = (await CliRun.RunAsync("ls", "dash", "--data", Data, "--", "--limit")).Expect(0);
        Assert.Equal(["--limit/a"], ls.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Unreachable_mirror_and_locked_database_exit_3()
    {
        var down = (await CliRun.RunAsync("get", "shop", "a", "--mirror", $"http://127.0.0.1:{FreePorts.Next()}")).Expect(3);
        Assert.Contains("unreachable", down.Err);
        await using var open = await MyNoSqlDb.OpenAsync("shop", new MyNoSqlOptions { DataDirectory = Data });
        var locked = (await CliRun.RunAsync("get", "shop", "a", "--data", Data)).Expect(3);
        Assert.Contains("another process", locked.Err);
    }

    [Fact]
    public async Task Status_of_a_peer_lists_pending_writes_and_sync_without_mirror_is_usage()
    {
        (await CliRun.RunAsync("put", "shop", """{"id":"a"}""", "--data", Data)).Expect(0);
        var status = (await CliRun.RunAsync("status", "shop", "--data", Data, "--json")).Expect(0);
        Assert.Equal(1, status.Json["pending_writes"]!.GetValue<long>());
        Assert.True(status.Json.AsObject().ContainsKey("mirror_in_use"));
        Assert.True(status.Json.AsObject().ContainsKey("last_error"));
        var sync = (await CliRun.RunAsync("sync", "shop", "--data", Data)).Expect(2);
        Assert.Contains("--mirror URL", sync.Err);
        var syncMirrorOnly = (await CliRun.RunAsync("sync", "shop", "--mirror", "http://127.0.0.1:9")).Expect(2);
        Assert.Contains("--data DIR", syncMirrorOnly.Err);
    }

    [Fact]
    public async Task Help_lists_every_command()
    {
        var help = (await CliRun.RunAsync("--help")).Expect(0);
        foreach (var c in new[] { "put", "get", "del", "ls", "find", "import", "export", "sync", "status", "keys", "shell" })
            Assert.Contains(c, help.Out);
        Assert.Contains("--mirror", help.Out);
        // Optional arguments in brackets, as in each command's own help (once: "ls <DB> <PREFIX>").
        Assert.Contains("  ls <DB> [<PREFIX>]  ", help.Out);
        Assert.Contains("  export <DB> [<FILE>]  ", help.Out);
        Assert.Contains("  import <DB> <FILE>  ", help.Out);
    }
}
