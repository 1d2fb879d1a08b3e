using System.Text.Json.Nodes;

namespace MyNoSql.PeerClient.Tests;

/// <summary>A lone durable save commits on the caller's thread: durable when the call returns, no thread hop. Not run
/// beside other tests: a save commits inline only while no work waits for a thread-pool thread.</summary>
[Collection(nameof(InlineSaveTests))]
public sealed class InlineSaveTests
{
    [Fact]
    public async Task LoneSave_IsDurableWhenTheCallReturns()
    {
        using var dir = new TempDir();
        int completedInCall = 0;
        await using (var db = await MyNoSqlDb.OpenAsync("inline", dir.Options()))
        {
            for (int i = 0; i < 20; i++)
            {
                var save = db.SaveDocAsync(new JsonObject { ["id"] = $"doc-{i}", ["n"] = i, ["text"] = new string('x', 200) });
                // Completed before the call returned: it wrote and synced on this thread. (Not every time: while the
                // open's background work waits for a pool thread, a save queues for the shard's committer instead.)
                if (save.IsCompletedSuccessfully) completedInCall++;
                var saved = await save;
                Assert.Equal($"doc-{i}", (string?)saved["id"]);
            }
        }
        Assert.True(completedInCall > 0, "no save committed on the caller's thread");
        await using var reopened = await MyNoSqlDb.OpenAsync("inline", dir.Options());
        for (int i = 0; i < 20; i++) Assert.Equal(i, (int)(await reopened.ReadDocAsync($"doc-{i}"))!["n"]!);
    }

    [Fact]
    public async Task ConcurrentSaves_AllLand()
    {
        using var dir = new TempDir();
        await using (var db = await MyNoSqlDb.OpenAsync("inline", dir.Options()))
        {
            await Task.WhenAll(Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
            {
                for (int i = 0; i < 25; i++) await db.SaveDocAsync(new JsonObject { ["id"] = $"w{w}-{i}", ["n"] = i });
            })));
        }
        await using var reopened = await MyNoSqlDb.OpenAsync("inline", dir.Options());
        int count = 0;
        await foreach (var _ in reopened.ListIdsAsync()) count++;
        Assert.Equal(16 * 25, count);
    }
}

[CollectionDefinition(nameof(InlineSaveTests), DisableParallelization = true)]
public sealed class InlineSaveCollection;
