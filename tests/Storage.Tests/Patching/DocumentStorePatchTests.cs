using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Tests.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Patching;

/// <summary><see cref="DocumentStore.PatchAsync"/> on real files: the revision rules of a save, nothing written on any
/// error, and no lost update between concurrent patches.</summary>
public class DocumentStorePatchTests
{
    private static Task<DocumentStore> OpenAsync(string dir) => DocumentStore.OpenAsync("db", dir, Small(), 1 << 20).AsTask();

    private static string Rev(JsonObject record) => (string)record["rev"]!;

    private static async Task<(DocumentRecord Record, int Leaves)> StoredAsync(DocumentStore store, string id)
    {
        var record = (await store.ReadRecordAsync(id))!;
        return (record, record.Leaves.Count);
    }

    [Fact]
    public async Task Merge_patch_and_json_patch_save_a_child_revision_that_survives_reopen()
    {
        using var dir = new TempDirectory();
        string rev2, rev3;
        await using (var store = await OpenAsync(dir.Path))
        {
            var v1 = await store.SaveAsync(new JsonObject { ["id"] = "r1", ["title"] = "a", ["tags"] = new JsonArray("x") });
            var v2 = await store.PatchAsync("r1", Rev(v1), new JsonObject { ["title"] = "b", ["extra"] = 1 });
            rev2 = Rev(v2);
            Assert.StartsWith("2-", rev2, StringComparison.Ordinal);
            Assert.Equal("r1", (string)v2["id"]!);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"id":"r1","rev":"REV","title":"b","tags":["x"],"extra":1}""".Replace("REV", rev2, StringComparison.Ordinal)), v2));

            var v3 = await store.PatchAsync("r1", rev2, JsonNode.Parse("""[{"op":"add","path":"/tags/-","value":"y"},{"op":"remove","path":"/extra"}]""")!);
            rev3 = Rev(v3);
            Assert.StartsWith("3-", rev3, StringComparison.Ordinal);
        }
        await using (var store = await OpenAsync(dir.Path))
        {
            var read = (await store.ReadAsync("r1"))!;
            Assert.Equal(rev3, Rev(read));
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"title":"b","tags":["x","y"]}"""), Content(read)));
            var (record, leaves) = await StoredAsync(store, "r1");
            Assert.Equal(1, leaves);
            Assert.Contains(Revision.Parse(rev2), record.Winner.Ancestry);
        }
    }

    private static JsonObject Content(JsonObject record)
    {
        var copy = record.DeepClone().AsObject();
        copy.Remove("id");
        copy.Remove("rev");
        return copy;
    }

    [Fact]
    public async Task A_patch_that_changes_nothing_writes_nothing()
    {
        using var dir = new TempDirectory();
        await using var store = await OpenAsync(dir.Path);
        var v1 = await store.SaveAsync(new JsonObject { ["id"] = "r1", ["n"] = 1 });
        ulong version = store.Replica.VersionOf("r1");
        var same = await store.PatchAsync("r1", Rev(v1), JsonNode.Parse("""[{"op":"test","path":"/n","value":1.0},{"op":"replace","path":"/n","value":1}]""")!);
        Assert.Equal(Rev(v1), Rev(same));
        Assert.Equal(Rev(v1), Rev((await store.PatchAsync("r1", Rev(v1), new JsonObject { ["absent"] = null }))));
        Assert.Equal(version, store.Replica.VersionOf("r1"));
    }

    [Fact]
    public async Task Stale_missing_or_malformed_rev_is_a_conflict_and_writes_nothing()
    {
        using var dir = new TempDirectory();
        await using var store = await OpenAsync(dir.Path);
        var v1 = await store.SaveAsync(new JsonObject { ["id"] = "r1", ["n"] = 1 });
        var v2 = await store.SaveAsync(new JsonObject { ["id"] = "r1", ["rev"] = Rev(v1), ["n"] = 2 });
        ulong version = store.Replica.VersionOf("r1");
        foreach (string? rev in new[] { Rev(v1), null, "bogus", "9-00000000000000000000000000000000" })
        {
            var e = await Assert.ThrowsAsync<RevisionConflictException>(() => store.PatchAsync("r1", rev, new JsonObject { ["n"] = 3 }).AsTask());
            Assert.Equal(Rev(v2), e.CurrentRevision);
        }
        Assert.Equal(version, store.Replica.VersionOf("r1"));
        Assert.Equal(2, (int)(await store.ReadAsync("r1"))!["n"]!);
    }

    [Fact]
    public async Task A_failing_third_operation_leaves_the_stored_record_unchanged()
    {
        using var dir = new TempDirectory();
        await using var store = await OpenAsync(dir.Path);
        var v1 = await store.SaveAsync(new JsonObject { ["id"] = "r1", ["n"] = 1, ["list"] = new JsonArray(1) });
        ulong version = store.Replica.VersionOf("r1");
        var patch = JsonNode.Parse("""[{"op":"replace","path":"/n","value":2},{"op":"add","path":"/list/-","value":2},{"op":"remove","path":"/nope"}]""")!;
        var e = await Assert.ThrowsAsync<InvalidPatchException>(() => store.PatchAsync("r1", Rev(v1), patch).AsTask());
        Assert.Contains("operation 2", e.Message, StringComparison.Ordinal);
        var failedTest = JsonNode.Parse("""[{"op":"replace","path":"/n","value":2},{"op":"add","path":"/list/-","value":2},{"op":"test","path":"/n","value":1}]""")!;
        var t = await Assert.ThrowsAsync<PatchTestFailedException>(() => store.PatchAsync("r1", Rev(v1), failedTest).AsTask());
        Assert.Equal(2, t.Operation);
        Assert.Equal("/n", t.Path);
        Assert.Equal(version, store.Replica.VersionOf("r1"));
        var read = (await store.ReadAsync("r1"))!;
        Assert.Equal(Rev(v1), Rev(read));
        Assert.Equal("""{"n":1,"list":[1]}""", Content(read).ToJsonString());
    }

    [Fact]
    public async Task Absent_and_deleted_records_are_not_found()
    {
        using var dir = new TempDirectory();
        await using var store = await OpenAsync(dir.Path);
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => store.PatchAsync("nobody", "1-00000000000000000000000000000000", new JsonObject()).AsTask());
        var v1 = await store.SaveAsync(new JsonObject { ["id"] = "r1", ["n"] = 1 });
        var tombstone = await store.DeleteAsync("r1", Rev(v1));
        ulong version = store.Replica.VersionOf("r1");
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => store.PatchAsync("r1", Rev(v1), new JsonObject { ["n"] = 2 }).AsTask());
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => store.PatchAsync("r1", tombstone.ToString(), new JsonObject { ["n"] = 2 }).AsTask());
        Assert.Equal(version, store.Replica.VersionOf("r1"));
        Assert.Null(await store.ReadAsync("r1"));
    }

    [Fact]
    public async Task A_result_larger_than_the_maximum_document_size_is_refused()
    {
        using var dir = new TempDirectory();
        await using var store = await DocumentStore.OpenAsync("db", dir.Path, Small(), 256);
        var v1 = await store.SaveAsync(new JsonObject { ["id"] = "r1", ["n"] = 1 });
        await Assert.ThrowsAsync<DocumentFormatException>(() => store.PatchAsync("r1", Rev(v1), new JsonObject { ["big"] = new string('x', 300) }).AsTask());
        Assert.Equal(Rev(v1), Rev((await store.ReadAsync("r1"))!));
    }

    [Fact]
    public async Task Concurrent_patches_on_one_rev_let_exactly_one_win()
    {
        using var dir = new TempDirectory();
        await using var store = await OpenAsync(dir.Path);
        for (int round = 0; round < 20; round++)
        {
            string id = $"r{round}";
            var v1 = await store.SaveAsync(new JsonObject { ["id"] = id, ["n"] = 0 });
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var tasks = Enumerable.Range(1, 4).Select(k => Task.Run(async () =>
            {
                await start.Task;
                try
                {
                    return (k, await store.PatchAsync(id, Rev(v1), JsonNode.Parse($$"""[{"op":"replace","path":"/n","value":{{k}}}]""")!));
                }
                catch (RevisionConflictException)
                {
                    return (k, (JsonObject?)null);
                }
            })).ToList();
            start.SetResult();
            var results = await Task.WhenAll(tasks);
            var winners = results.Where(r => r.Item2 is not null).ToList();
            Assert.Single(winners);
            var read = (await store.ReadAsync(id))!;
            Assert.Equal(winners[0].k, (int)read["n"]!);
            Assert.Equal(Rev(winners[0].Item2!), Rev(read));
            Assert.Equal(1, (await StoredAsync(store, id)).Leaves);
        }
    }
}
