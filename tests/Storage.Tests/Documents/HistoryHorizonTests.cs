using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Tests.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Documents;

/// <summary>The clock's drift bound and the tombstone horizon of kept history, on a clock the test moves.</summary>
public sealed class HistoryHorizonTests
{
    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly DateTimeOffset Start = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_stamp_more_than_the_drift_ahead_does_not_move_the_clock()
    {
        var time = new ManualTime(Start);
        var clock = new HybridClock(time);
        long far = (Start + HybridClock.MaxObservedDrift + TimeSpan.FromMinutes(1)).ToUnixTimeMilliseconds() << 16;
        clock.Observe(far);
        Assert.True(clock.Next() < far);
        long near = (Start + TimeSpan.FromMinutes(30)).ToUnixTimeMilliseconds() << 16;
        clock.Observe(near);
        Assert.True(clock.Next() > near);
    }

    [Fact]
    public async Task Deleted_records_keep_history_until_the_horizon_then_lose_it_and_keep_their_tombstone()
    {
        using var dir = new TempDirectory();
        var time = new ManualTime(Start);
        await using var store = await DocumentStore.OpenAsync("db", dir.Path, Small(), 1 << 20, clock: new HybridClock(time));
        var v1 = await store.SaveAsync(new JsonObject { ["id"] = "gone", ["v"] = 1 });
        var v2 = await store.SaveAsync(new JsonObject { ["id"] = "gone", ["v"] = 2, ["rev"] = (string)v1["rev"]! });
        var tombstone = await store.DeleteAsync("gone", (string)v2["rev"]!);
        await store.SaveAsync(new JsonObject { ["id"] = "live", ["v"] = 1 });
        var horizon = TimeSpan.FromDays(30);

        Assert.Equal(0, await store.Replica.DropExpiredHistoryAsync(horizon, Start + horizon - TimeSpan.FromMinutes(1)));
        Assert.Equal(2, (await store.ReadRecordAsync("gone"))!.History.Count);

        Assert.Equal(1, await store.Replica.DropExpiredHistoryAsync(horizon, Start + horizon + TimeSpan.FromMinutes(1)));
        var record = (await store.ReadRecordAsync("gone"))!;
        Assert.Empty(record.History);
        Assert.True(record.Winner.Deleted);
        Assert.Equal(tombstone, record.Winner.Rev);
        Assert.Equal(0, await store.Replica.DropExpiredHistoryAsync(horizon, Start + horizon + TimeSpan.FromDays(1)));
        await Assert.ThrowsAsync<DocumentNotFoundException>(async () => await store.UndoAsync("gone")); // nothing kept to bring back
    }

    [Fact]
    public async Task A_damaged_deleted_record_is_reported_and_skipped_and_the_others_are_swept()
    {
        using var dir = new TempDirectory();
        var time = new ManualTime(Start);
        await using var store = await DocumentStore.OpenAsync("db", dir.Path, Small(), 1 << 20, clock: new HybridClock(time));
        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            var v1 = await store.SaveAsync(new JsonObject { ["id"] = id, ["v"] = 1 });
            await store.DeleteAsync(id, (string)v1["rev"]!);
        }
        // "b"'s stored bytes say more history entries than they hold: reading the record is CorruptDataException.
        var stored = (await store.Records.ReadAsync("b"))!;
        var bad = stored.Payload.ToArray();
        var record = (await store.ReadRecordAsync("b"))!;
        bad[bad.Length - (bad.Length - record.WithHistory([]).Encode(omitWinnerRevision: true).Length + 1)] = 120;
        await store.Records.WriteAsync(stored with { Payload = bad });
        await Assert.ThrowsAsync<CorruptDataException>(async () => await store.ReadRecordAsync("b"));

        var horizon = TimeSpan.FromDays(30);
        var damaged = new List<string>();
        Assert.Equal(3, await store.Replica.DropExpiredHistoryAsync(horizon, Start + horizon + TimeSpan.FromMinutes(1), (key, _) => damaged.Add(key)));
        Assert.Equal(["b"], damaged);
        foreach (var id in new[] { "a", "c", "d" }) Assert.Empty((await store.ReadRecordAsync(id))!.History);
    }
}
