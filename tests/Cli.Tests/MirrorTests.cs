using System.Text.Json.Nodes;

namespace MyNoSql.Cli.Tests;

/// <summary>Every command with --mirror against one real mirror process (HTTP gateway, API keys on).</summary>
public sealed class MirrorTests(MirrorFixture mirror) : IClassFixture<MirrorFixture>
{
    private string[] M(params string[] args) => [.. args, "--mirror", mirror.Url, "--api-key", mirror.Key];

    [Fact]
    public async Task Documents_history_and_undo_over_http()
    {
        var put = (await CliRun.RunAsync(M("put", "web", """{"id":"dir/a b","v":1,"type":"t"}""", "--json"))).Expect(0);
        string rev = put.Json["rev"]!.GetValue<string>();
        var get = (await CliRun.RunAsync(M("get", "web", "dir/a b", "--json"))).Expect(0);
        Assert.Equal(1, get.Json["v"]!.GetValue<int>());
        var second = (await CliRun.RunAsync(M("put", "web", $$"""{"id":"dir/a b","rev":"{{rev}}","v":2,"type":"t"}""", "--json"))).Expect(0);
        (await CliRun.RunAsync(M("put", "web", """{"id":"dir/a b","v":3}"""))).Expect(1); // no rev: conflict
        (await CliRun.RunAsync(M("put", "web", """{"id":"other","type":"t"}"""))).Expect(0);

        Assert.Equal(["dir/a b"], (await CliRun.RunAsync(M("ls", "web", "dir/"))).Expect(0).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var find = (await CliRun.RunAsync(M("find", "web", """{"selector":{"type":"t"},"limit":1}""", "--json"))).Expect(0);
        Assert.Single(find.Json["docs"]!.AsArray());
        Assert.NotNull(find.Json["bookmark"]);

        string shell = """
            history dir/a b
            undo dir/a b
            get dir/a b
            """;
        var run = (await CliRun.WithInputAsync(shell, M("shell", "web", "--json"))).Expect(0);
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(2, lines[0]["history"]!.AsArray().Count);
        Assert.Equal(1, lines[2]["v"]!.GetValue<int>());

        string current = lines[2]["rev"]!.GetValue<string>();
        Assert.NotEqual(second.Json["rev"]!.GetValue<string>(), current);
        (await CliRun.RunAsync(M("del", "web", "dir/a b", rev))).Expect(1); // stale rev
        (await CliRun.RunAsync(M("del", "web", "dir/a b", current))).Expect(0);
        (await CliRun.RunAsync(M("get", "web", "dir/a b"))).Expect(1);
        var status = (await CliRun.RunAsync(M("status", "web", "--json"))).Expect(0);
        Assert.Equal(1, status.Json["doc_count"]!.GetValue<long>());
        Assert.Equal(mirror.Url, status.Json["mirror"]!.GetValue<string>());
    }

    [Fact]
    public async Task Records_named_dot_and_dot_dot_are_records_over_http_and_their_delete_keeps_the_database()
    {
        // Once, "del dots .. REV" was sent as DELETE /db/dots/ and dropped the whole database.
        (await CliRun.RunAsync(M("put", "dots", """{"id":"keep","v":0}"""))).Expect(0);
        foreach (string id in new[] { ".", ".." })
        {
            string rev = (await CliRun.RunAsync(M("put", "dots", $$"""{"id":"{{id}}","v":1}""", "--json"))).Expect(0).Json["rev"]!.GetValue<string>();
            Assert.Equal(id, (await CliRun.RunAsync(M("get", "dots", id, "--json"))).Expect(0).Json["id"]!.GetValue<string>());
            (await CliRun.RunAsync(M("del", "dots", id, rev))).Expect(0);
            (await CliRun.RunAsync(M("get", "dots", id))).Expect(1);
        }
        Assert.Equal(0, (await CliRun.RunAsync(M("get", "dots", "keep", "--json"))).Expect(0).Json["v"]!.GetValue<int>());
    }

    [Fact]
    public async Task Import_export_and_peer_sync_through_the_mirror()
    {
        string file = Path.Combine(mirror.Root, "bulk.ndjson");
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, 300).Select(i => $$"""{"id":"k{{i:D3}}","i":{{i}}}"""));
        Assert.Contains("imported 300 records", (await CliRun.RunAsync(M("import", "bulk", file))).Expect(0).Out);
        var export = (await CliRun.RunAsync(M("export", "bulk"))).Expect(0);
        var ids = export.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!["id"]!.GetValue<string>()).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"k{i:D3}"), ids);

        // A local peer given the mirror once: its writes go up, the mirror's come down (Mirror mode not needed for reads by id).
        string data = Path.Combine(mirror.Root, "peer-" + Guid.NewGuid().ToString("N")[..8]);
        (await CliRun.RunAsync("put", "bulk", """{"id":"from-peer","x":1}""", "--data", data)).Expect(0);
        var sync = (await CliRun.RunAsync("sync", "bulk", "--data", data, "--mirror", mirror.Url, "--api-key", mirror.Key, "--json")).Expect(0);
        Assert.Equal(0, sync.Json["pending_writes"]!.GetValue<long>());
        Assert.Equal(mirror.Url, sync.Json["mirror_in_use"]!.GetValue<string>());
        Assert.Equal(1, (await CliRun.RunAsync(M("get", "bulk", "from-peer", "--json"))).Expect(0).Json["x"]!.GetValue<int>());
        // The mirror is remembered: a later sync needs no --mirror.
        (await CliRun.RunAsync("sync", "bulk", "--data", data, "--api-key", mirror.Key)).Expect(0);
        // So is the last round's outcome: status is another process (here another open), yet it reports the round.
        var status = (await CliRun.RunAsync("status", "bulk", "--data", data, "--json")).Expect(0);
        Assert.Equal(mirror.Url, status.Json["mirror_in_use"]!.GetValue<string>());
        Assert.NotNull(status.Json["last_success"]);
        Assert.Null(status.Json["last_error"]);
        Assert.Equal(7, (await CliRun.RunAsync("get", "bulk", "k007", "--data", data, "--api-key", mirror.Key, "--json")).Expect(0).Json["i"]!.GetValue<int>());
    }

    [Fact]
    public async Task Import_lists_the_records_the_mirror_refuses_and_saves_the_others()
    {
        // Once: "records 1–10 … not saved … 0 records before them were imported", though 9 of 10 were stored.
        (await CliRun.RunAsync(M("put", "part", """{"id":"r03","n":"old"}"""))).Expect(0);
        string file = Path.Combine(mirror.Root, "ten.ndjson");
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, 10).Select(i => $$"""{"id":"r{{i:D2}}","n":{{i}}}"""));
        var run = (await CliRun.RunAsync(M("import", "part", file))).Expect(1);
        Assert.Contains("imported 9 records", run.Out);
        Assert.Contains("ten.ndjson: 9 records imported, 1 not saved: line 4 (conflict: ", run.Err);
        Assert.Equal(10, (await CliRun.RunAsync(M("ls", "part", "--json"))).Expect(0).Json["ids"]!.AsArray().Count);
        Assert.Equal("old", (await CliRun.RunAsync(M("get", "part", "r03", "--json"))).Expect(0).Json["n"]!.GetValue<string>());

        // A record over the mirror's size limit (413) among good ones: bad input, the others saved.
        string huge = Path.Combine(mirror.Root, "huge.ndjson");
        await File.WriteAllLinesAsync(huge, [$$"""{"id":"ok1"}""", $$"""{"id":"huge","s":"{{new string('x', 17 << 20)}}"}""", $$"""{"id":"ok2"}"""]);
        var big = (await CliRun.RunAsync(M("import", "big", huge))).Expect(2);
        Assert.Contains("2 records imported, 1 not saved: line 2 (", big.Err);
        Assert.Contains("413", big.Err);
        Assert.Equal(["ok1", "ok2"], (await CliRun.RunAsync(M("ls", "big"))).Expect(0).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Missing_or_wrong_key_exits_2_unknown_database_exits_1()
    {
        var none = (await CliRun.RunAsync("get", "web", "x", "--mirror", mirror.Url)).Expect(2);
        Assert.Contains("401", none.Err);
        var wrong = (await CliRun.RunAsync("get", "web", "x", "--mirror", mirror.Url, "--api-key", "mns_wrongwrongwrongwrong")).Expect(2);
        Assert.Contains("invalid_key", wrong.Err);
        var status = (await CliRun.RunAsync(M("status", "nothing-here"))).Expect(1);
        Assert.Contains("nothing-here", status.Err);
        var sync = (await CliRun.RunAsync(M("sync", "web"))).Expect(2);
        Assert.Contains("--data DIR", sync.Err);
    }
}
