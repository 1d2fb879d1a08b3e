using System.Text.Json.Nodes;

namespace MyNoSql.PeerClient.Tests;

/// <summary>PatchDocAsync (DESIGN §8) through the public peer API on real files.</summary>
public class PatchTests
{
    private static string Rev(JsonObject record) => (string)record["rev"]!;

    private static JsonObject Content(JsonObject record)
    {
        var copy = record.DeepClone().AsObject();
        copy.Remove("id");
        copy.Remove("rev");
        return copy;
    }

    [Fact]
    public async Task Merge_patch_then_json_patch_save_new_revisions_that_survive_reopen_and_wait_in_the_outbox()
    {
        using var dir = new TempDir();
        string rev3;
        await using (var db = await MyNoSqlDb.OpenAsync("app", dir.Options()))
        {
            var v1 = await db.SaveDocAsync(new JsonObject { ["id"] = "/players/ann", ["name"] = "Ann", ["score"] = 1, ["tags"] = new JsonArray("new") });
            var v2 = await db.PatchDocAsync("/players/ann", Rev(v1), JsonNode.Parse("""{"score":2,"tags":null,"team":{"name":"red"}}""")!);
            Assert.StartsWith("2-", Rev(v2), StringComparison.Ordinal);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"name":"Ann","score":2,"team":{"name":"red"}}"""), Content(v2)));

            var v3 = await db.PatchDocAsync("/players/ann", Rev(v2), JsonNode.Parse("""
                [{"op":"test","path":"/score","value":2.0},
                 {"op":"replace","path":"/score","value":3},
                 {"op":"move","from":"/team/name","path":"/team/colour"},
                 {"op":"add","path":"/badges","value":["first"]},
                 {"op":"copy","from":"/badges/0","path":"/badges/-"}]
                """)!);
            rev3 = Rev(v3);
            Assert.StartsWith("3-", rev3, StringComparison.Ordinal);
            Assert.Equal("/players/ann", (string)v3["id"]!);
            Assert.Equal(1, db.GetSyncStatus().PendingWrites);
        }
        await using (var db = await MyNoSqlDb.OpenAsync("app", dir.Options()))
        {
            var read = (await db.ReadDocAsync("/players/ann"))!;
            Assert.Equal(rev3, Rev(read));
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"name":"Ann","score":3,"team":{"colour":"red"},"badges":["first","first"]}"""), Content(read)));
        }
    }

    [Fact]
    public async Task A_stale_rev_is_a_conflict_and_writes_nothing()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("app", dir.Options());
        var v1 = await db.SaveDocAsync(new JsonObject { ["id"] = "r", ["n"] = 1 });
        var v2 = await db.PatchDocAsync("r", Rev(v1), new JsonObject { ["n"] = 2 });
        var e = await Assert.ThrowsAsync<RevisionConflictException>(() => db.PatchDocAsync("r", Rev(v1), new JsonObject { ["n"] = 3 }));
        Assert.Equal(Rev(v2), e.CurrentRevision);
        Assert.Equal(Rev(v1), e.GivenRevision);
        var read = (await db.ReadDocAsync("r"))!;
        Assert.Equal(Rev(v2), Rev(read));
        Assert.Equal(2, (int)read["n"]!);
    }

    [Fact]
    public async Task A_failing_third_operation_or_test_leaves_the_record_as_it_was()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("app", dir.Options());
        var v1 = await db.SaveDocAsync(new JsonObject { ["id"] = "r", ["n"] = 1, ["list"] = new JsonArray(1, 2) });

        var invalid = await Assert.ThrowsAsync<InvalidPatchException>(() => db.PatchDocAsync("r", Rev(v1), JsonNode.Parse(
            """[{"op":"replace","path":"/n","value":2},{"op":"remove","path":"/list/0"},{"op":"add","path":"/list/5","value":9}]""")!));
        Assert.Contains("operation 2", invalid.Message, StringComparison.Ordinal);
        Assert.Contains("/list/5", invalid.Message, StringComparison.Ordinal);

        var failed = await Assert.ThrowsAsync<PatchTestFailedException>(() => db.PatchDocAsync("r", Rev(v1), JsonNode.Parse(
            """[{"op":"replace","path":"/n","value":2},{"op":"remove","path":"/list/0"},{"op":"test","path":"/list/0","value":1}]""")!));
        Assert.Equal(2, failed.Operation);
        Assert.Equal("/list/0", failed.Path);
        Assert.Equal("app", failed.Database);
        Assert.Equal("r", failed.Id);
        Assert.IsAssignableFrom<MyNoSqlException>(failed);

        var read = (await db.ReadDocAsync("r"))!;
        Assert.Equal(Rev(v1), Rev(read));
        Assert.Equal("""{"n":1,"list":[1,2]}""", Content(read).ToJsonString());
    }

    [Theory]
    [InlineData("""{"id":"other"}""")]
    [InlineData("""{"rev":null}""")]
    [InlineData("""[{"op":"replace","path":"/id","value":"other"}]""")]
    [InlineData("""[{"op":"remove","path":"/rev"}]""")]
    [InlineData("""[{"op":"add","path":"","value":{"id":"other","n":1}}]""")]
    public async Task Id_and_rev_cannot_be_patched(string patch)
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("app", dir.Options());
        var v1 = await db.SaveDocAsync(new JsonObject { ["id"] = "r", ["n"] = 1 });
        var e = await Assert.ThrowsAsync<InvalidPatchException>(() => db.PatchDocAsync("r", Rev(v1), JsonNode.Parse(patch)!));
        Assert.Contains("reserved", e.Message, StringComparison.Ordinal);
        Assert.Equal(Rev(v1), Rev((await db.ReadDocAsync("r"))!));
    }

    [Fact]
    public async Task Absent_and_deleted_records_cannot_be_patched()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("app", dir.Options());
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => db.PatchDocAsync("ghost", "1-00000000000000000000000000000000", new JsonObject { ["n"] = 1 }));
        var v1 = await db.SaveDocAsync(new JsonObject { ["id"] = "r", ["n"] = 1 });
        string tombstone = await db.DeleteDocAsync("r", Rev(v1));
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => db.PatchDocAsync("r", Rev(v1), new JsonObject { ["n"] = 2 }));
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => db.PatchDocAsync("r", tombstone, new JsonObject { ["n"] = 2 }));
        Assert.Null(await db.ReadDocAsync("r"));
    }

    [Fact]
    public async Task Two_patches_on_the_same_rev_one_wins_the_other_conflicts()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("app", dir.Options());
        for (int round = 0; round < 10; round++)
        {
            string id = $"counter-{round}";
            var v1 = await db.SaveDocAsync(new JsonObject { ["id"] = id, ["n"] = 0, ["by"] = new JsonArray() });
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            async Task<JsonObject?> Patch(string who)
            {
                await start.Task;
                try
                {
                    return await db.PatchDocAsync(id, Rev(v1), JsonNode.Parse($$"""[{"op":"replace","path":"/n","value":1},{"op":"add","path":"/by/-","value":"{{who}}"}]""")!);
                }
                catch (RevisionConflictException)
                {
                    return null;
                }
            }
            var a = Task.Run(() => Patch("a"));
            var b = Task.Run(() => Patch("b"));
            start.SetResult();
            var results = await Task.WhenAll(a, b);
            var winner = Assert.Single(results, r => r is not null)!;
            var read = (await db.ReadDocAsync(id))!;
            Assert.Equal(Rev(winner), Rev(read));
            Assert.StartsWith("2-", Rev(read), StringComparison.Ordinal);
            Assert.Single(read["by"]!.AsArray()); // no lost update, no double application
            Assert.Empty(await db.GetConflictsAsync(id));
        }
    }

    [Fact]
    public async Task Bad_arguments_and_a_closed_database_are_refused()
    {
        using var dir = new TempDir();
        var db = await MyNoSqlDb.OpenAsync("app", dir.Options());
        var v1 = await db.SaveDocAsync(new JsonObject { ["id"] = "r", ["n"] = 1 });
        await Assert.ThrowsAsync<ArgumentNullException>(() => db.PatchDocAsync(null!, Rev(v1), new JsonObject()));
        await Assert.ThrowsAsync<ArgumentNullException>(() => db.PatchDocAsync("r", null!, new JsonObject()));
        await Assert.ThrowsAsync<ArgumentNullException>(() => db.PatchDocAsync("r", Rev(v1), null!));
        await Assert.ThrowsAsync<InvalidPatchException>(() => db.PatchDocAsync("r", Rev(v1), JsonValue.Create(42)));
        await db.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => db.PatchDocAsync("r", Rev(v1), new JsonObject { ["n"] = 2 }));
    }
}
