using System.Text.Json.Nodes;

namespace MyNoSql.Cli.Tests;

/// <summary>import (NDJSON and JSON arrays) and export (NDJSON, to a file or stdout) on a local peer.</summary>
public sealed class ImportExportTests : IDisposable
{
    private readonly TempDirectory _dir = new("mynosql-cli-io-");

    private string Data => Path.Combine(_dir.Path, "data");

    private string File(string name, string text)
    {
        string path = Path.Combine(_dir.Path, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Ndjson_import_then_export_round_trips_every_record()
    {
        var lines = Enumerable.Range(0, 2500).Select(i => $$$"""{"id":"r{{{i:D5}}}","n":{{{i}}},"tags":["a","b"],"nested":{"x":{{{i % 7}}}}}""");
        // A BOM, CRLF endings and blank lines are tolerated.
        string source = File("in.ndjson", "\uFEFF" + string.Join("\r\n", lines.Take(1000)) + "\r\n\r\n" + string.Join("\n", lines.Skip(1000)) + "\n");
        var import = (await CliRun.RunAsync("import", "src", source, "--data", Data, "--json")).Expect(0);
        Assert.Equal(2500, import.Json["imported"]!.GetValue<long>());

        string exported = Path.Combine(_dir.Path, "out.ndjson");
        (await CliRun.RunAsync("export", "src", exported, "--data", Data)).Expect(0);
        var records = System.IO.File.ReadAllLines(exported).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(2500, records.Count);
        Assert.All(records, r => Assert.StartsWith("1-", r["rev"]!.GetValue<string>()));

        // Into another database: same ids and contents (the revs in the file are ignored for new records).
        (await CliRun.RunAsync("import", "copy", exported, "--data", Data)).Expect(0);
        var stdout = (await CliRun.RunAsync("export", "copy", "--data", Data)).Expect(0);
        var copied = stdout.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject())
            .ToDictionary(r => r["id"]!.GetValue<string>());
        Assert.Equal(2500, copied.Count);
        foreach (var r in records)
        {
            var c = copied[r["id"]!.GetValue<string>()];
            Assert.Equal(r["n"]!.GetValue<int>(), c["n"]!.GetValue<int>());
            Assert.Equal(r["nested"]!.ToJsonString(), c["nested"]!.ToJsonString());
        }
    }

    [Fact]
    public async Task Json_array_import()
    {
        string source = File("in.json", """
            [ {"id":"a","v":1},
              {"id":"b","v":2},
              {"v":3} ]
            """);
        var run = (await CliRun.RunAsync("import", "arr", source, "--data", Data)).Expect(0);
        Assert.Contains("imported 3 records", run.Out);
        var ls = (await CliRun.RunAsync("ls", "arr", "--data", Data, "--json")).Expect(0);
        Assert.Equal(3, ls.Json["ids"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_bad_line_exits_2_naming_file_and_line_and_what_was_imported()
    {
        var good = Enumerable.Range(0, 1500).Select(i => $$"""{"id":"g{{i}}"}""").ToList();
        good.Insert(1200, """{"id":"broken",""");
        string source = File("bad.ndjson", string.Join("\n", good));
        var run = (await CliRun.RunAsync("import", "bad", source, "--data", Data)).Expect(2);
        Assert.Contains("bad.ndjson:1201", run.Err);
        Assert.Contains("not valid JSON", run.Err);
        // What the message says was imported is what is stored: the 200 lines read after the last full batch too.
        Assert.Contains($"The import stopped there: lines 1–{1200:N0} were imported ({1200:N0} records).", run.Err);
        Assert.Equal(1200, (await CliRun.RunAsync("ls", "bad", "--data", Data, "--json")).Expect(0).Json["ids"]!.AsArray().Count);

        string notObject = File("scalar.ndjson", "{\"id\":\"x\"}\n42\n");
        var scalar = (await CliRun.RunAsync("import", "bad2", notObject, "--data", Data)).Expect(2);
        Assert.Contains("scalar.ndjson:2", scalar.Err);
        Assert.Contains("must be a JSON object", scalar.Err);

        var missing = (await CliRun.RunAsync("import", "bad", Path.Combine(_dir.Path, "nope.ndjson"), "--data", Data)).Expect(2);
        Assert.Contains("nope.ndjson", missing.Err);

        string badArray = File("bad.json", "[{\"id\":\"a\"}, 5]");
        var arr = (await CliRun.RunAsync("import", "bad3", badArray, "--data", Data)).Expect(2);
        Assert.Contains("element 2", arr.Err);
        Assert.Contains("The import stopped there: element 1 was imported (1 record).", arr.Err);

        var first = (await CliRun.RunAsync("import", "bad4", File("first.ndjson", "nope\n{\"id\":\"a\"}\n"), "--data", Data)).Expect(2);
        Assert.Contains("first.ndjson:1", first.Err);
        Assert.Contains("nothing was imported", first.Err);
    }

    [Fact]
    public async Task Import_reads_a_pipe_or_stdin_which_cannot_seek()
    {
        // Once: "Stream does not support seeking" and a stack trace (the format was sniffed by seeking back).
        string ndjson = "\n" + string.Join("\n", Enumerable.Range(0, 2500).Select(i => $$"""{"id":"p{{i:D4}}"}""")) + "\n";
        var run = (await CliRun.WithInputAsync(ndjson, "import", "piped", "-", "--data", Data, "--json")).Expect(0);
        Assert.Equal(2500, run.Json["imported"]!.GetValue<long>());
        var array = (await CliRun.WithInputAsync(""" [{"id":"x1"},{"id":"x2"}]""", "import", "piped2", "-", "--data", Data)).Expect(0);
        Assert.Contains("imported 2 records", array.Out);
        var bad = (await CliRun.WithInputAsync("{\"id\":\"y\"}\n{oops\n", "import", "piped3", "-", "--data", Data)).Expect(2);
        Assert.Contains("-:2: not valid JSON", bad.Err);
        Assert.DoesNotContain("   at ", bad.Err);
    }

    [Fact]
    public async Task Records_the_database_refuses_are_listed_by_line_and_the_others_saved()
    {
        (await CliRun.RunAsync("put", "part", """{"id":"r03","n":"old"}""", "--data", Data)).Expect(0);
        string source = File("ten.ndjson", string.Join("\n", Enumerable.Range(0, 10).Select(i => $$"""{"id":"r{{i:D2}}","n":{{i}}}""")));
        var run = (await CliRun.RunAsync("import", "part", source, "--data", Data)).Expect(1);
        Assert.Contains("imported 9 records", run.Out);
        Assert.Contains("ten.ndjson: 9 records imported, 1 not saved: line 4 (conflict: ", run.Err);
        Assert.DoesNotContain("..", run.Err);
        Assert.Equal(10, (await CliRun.RunAsync("ls", "part", "--data", Data, "--json")).Expect(0).Json["ids"]!.AsArray().Count);
        Assert.Equal("old", (await CliRun.RunAsync("get", "part", "r03", "--data", Data, "--json")).Expect(0).Json["n"]!.GetValue<string>());

        // A record over the size limit among good ones: bad input (exit 2), the others saved.
        string huge = File("huge.ndjson", $$"""{"id":"ok1"}""" + "\n" + $$"""{"id":"huge","s":"{{new string('x', 17 << 20)}}"}""" + "\n" + $$"""{"id":"ok2"}""" + "\n");
        var json = (await CliRun.RunAsync("import", "big", huge, "--data", Data, "--json")).Expect(2);
        Assert.Equal(2, json.Json["imported"]!.GetValue<long>());
        Assert.Equal(2, json.Json["not_saved"]![0]!["line"]!.GetValue<long>());
        Assert.Contains("line 2 (bad input: The record is", json.Err);
        Assert.DoesNotContain("(Parameter", json.Err);
        Assert.Equal(["ok1", "ok2"], (await CliRun.RunAsync("ls", "big", "--data", Data)).Expect(0).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Importing_over_existing_records_without_their_rev_is_a_conflict()
    {
        string source = File("one.ndjson", "{\"id\":\"a\",\"v\":1}\n");
        (await CliRun.RunAsync("import", "twice", source, "--data", Data)).Expect(0);
        string changed = File("two.ndjson", "{\"id\":\"a\",\"v\":2}\n");
        var run = (await CliRun.RunAsync("import", "twice", changed, "--data", Data)).Expect(1);
        Assert.Contains("two.ndjson", run.Err);
        Assert.Contains("conflict", run.Err);
    }
}
