using System.Text.Json.Nodes;

namespace MyNoSql.PeerClient.Tests;

/// <summary>The README's peer quick start, line for line (only the data directory differs), so it cannot drift.</summary>
public class ReadmeQuickStartTests
{
    [Fact]
    public async Task The_quick_start_runs_as_written()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("sensors",
            new MyNoSqlOptions { DataDirectory = dir.Path });                      // opendb

        JsonObject saved = await db.SaveDocAsync(new JsonObject                   // savedoc: no id → a new,
        {                                                                          // time-ordered id
            ["sensor"] = "kitchen", ["temp"] = 21.5,
        });
        string id = (string)saved["id"]!, rev = (string)saved["rev"]!;            // rev = "1-<32 hex>"

        saved["temp"] = 22.0;                                                      // update: give the current rev
        saved = await db.SaveDocAsync(saved);                                      // (a stale rev throws
                                                                                   //  RevisionConflictException)
        JsonObject? doc = await db.ReadDocAsync(id);                               // readdoc: null when absent
        await foreach (var each in db.ListIdsAsync(prefix: "")) { }                // live ids, ordinal order
        await foreach (var each in db.ListIdsAsync("", after: null, limit: 100)) { } // a page (ids > after),
                                                                                   // as GET /db/{db}/docs
        var readings = Enumerable.Range(0, 1000).Select(i => new JsonObject { ["sensor"] = "hall", ["n"] = i });
        await db.SaveDocsAsync(readings);                                          // batch: one fsync per shard
        await db.DeleteDocAsync(id, (string)saved["rev"]!);                        // tombstone (replicates)

        await db.SetModeAsync(DbMode.Mirror);                                      // remembered on disk
        await db.AddPeerAsync("http://mirrorhost:8800");                           // remembered on disk
        await db.RemovePeerAsync("http://oldmirror:8800");                         // forgotten on disk too
        SyncStatus status = db.GetSyncStatus();                                    // PendingWrites = the outbox

        Assert.StartsWith("1-", rev);
        Assert.Equal(22.0, (double)doc!["temp"]!);
        Assert.Null(await db.ReadDocAsync(id));
        Assert.Equal(1001, status.PendingWrites);
        Assert.Equal(["http://mirrorhost:8800"], status.Mirrors);
    }
}
