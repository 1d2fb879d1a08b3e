using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using MyNoSql.Storage.Tests.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Documents;

/// <summary>History through <see cref="DocumentStore"/> on real files: stamps from the replica's clock, undo/redo/resolve
/// under the key lock as pending writes, format 3 on disk, damaged history reported as corrupt data naming the record.</summary>
public sealed class DocumentStoreHistoryTests
{
    private static async Task<JsonObject> Save(DocumentStore store, string id, int v, JsonObject? previous = null)
    {
        var doc = new JsonObject { ["id"] = id, ["v"] = v, ["pad"] = new string('p', 100) };
        if (previous is not null) doc["rev"] = (string)previous["rev"]!;
        return await store.SaveAsync(doc);
    }

    [Fact]
    public async Task Saves_are_stamped_and_undo_redo_resolve_are_pending_writes_that_survive_reopen()
    {
        using var dir = new TempDirectory();
        JsonObject v3;
        await using (var store = await DocumentStore.OpenAsync("db", dir.Path, Small(), 1 << 20))
        {
            var v1 = await Save(store, "a", 1);
            var v2 = await Save(store, "a", 2, v1);
            v3 = await Save(store, "a", 3, v2);
            var record = (await store.ReadRecordAsync("a"))!;
            Assert.Equal(3, record.Winner.Rev.Generation);
            Assert.True(record.Winner.Stamp > record.History[0].Stamp && record.History[0].Stamp > record.History[1].Stamp);
            Assert.NotNull(HybridClock.ToTime(record.Winner.Stamp));
            Assert.Equal(3, (await store.Records.ReadAsync("a"))!.Payload.Span[0]);
        }
        await using (var store = await DocumentStore.OpenAsync("db", dir.Path, Small(), 1 << 20))
        {
            var undone = await store.UndoAsync("a");
            Assert.Equal(2, (int)undone["v"]!);
            Assert.StartsWith("4-", (string)undone["rev"]!, StringComparison.Ordinal);
            Assert.True(store.Records.TryGetHeader("a", out var h) && (h.Flags & RecordFlags.Pending) != 0);
            var history = await store.GetHistoryAsync("a");
            Assert.Equal(4, history.Count);
            Assert.Equal((string)v3["rev"]!, history[1].Rev.ToString());
            Assert.Equal(3, (int)(await store.ReadRevisionAsync("a", history[1].Rev))!["v"]!);
            Assert.Null(await store.ReadRevisionAsync("a", Revision.Parse("9-00000000000000000000000000000000")));
            Assert.Equal(3, (int)(await store.RedoAsync("a"))["v"]!);
            await Assert.ThrowsAsync<MyNoSqlException>(async () => await store.RedoAsync("a"));
            await Assert.ThrowsAsync<DocumentNotFoundException>(async () => await store.UndoAsync("nobody"));
            Assert.Empty(await store.GetHistoryAsync("nobody"));

            // Manual resolution of a conflict: child of the winner, the loser closed.
            var root = (await store.ReadRecordAsync("a"))!.Winner;
            var loser = RevisionLeaf.Child(RevisionLeaf.Child(root, false, "{\"v\":\"x\"}"u8.ToArray()), false, "{\"v\":\"y\"}"u8.ToArray());
            var sibling = RevisionLeaf.Child(root, false, "{\"v\":\"z\"}"u8.ToArray());
            await store.MergeAsync("a", sibling, pending: false);
            await store.MergeAsync("a", loser, pending: false);
            var conflicted = (await store.ReadRecordAsync("a"))!;
            Assert.True(conflicted.HasConflicts);
            var winnerRev = conflicted.Winner.Rev.ToString();
            await Assert.ThrowsAsync<RevisionConflictException>(async () => await store.ResolveAsync("a", new JsonObject { ["rev"] = root.Rev.ToString(), ["v"] = 0 }));
            await Assert.ThrowsAsync<ArgumentException>(async () => await store.ResolveAsync("a", new JsonObject { ["id"] = "b", ["rev"] = winnerRev, ["v"] = 0 }));
            var resolved = await store.ResolveAsync("a", new JsonObject { ["rev"] = winnerRev, ["v"] = "merged" });
            var after = (await store.ReadRecordAsync("a"))!;
            Assert.False(after.HasConflicts);
            Assert.Equal(EditKind.Resolve, after.Winner.Kind);
            Assert.Equal((string)resolved["rev"]!, after.Winner.Rev.ToString());
        }
    }

    [Fact]
    public async Task Damaged_history_bytes_are_corrupt_data_naming_the_record()
    {
        using var dir = new TempDirectory();
        await using var store = await DocumentStore.OpenAsync("db", dir.Path, Small(), 1 << 20);
        var v = await Save(store, "doc-1", 1);
        for (int i = 2; i <= 4; i++) v = await Save(store, "doc-1", i, v);
        var stored = (await store.Records.ReadAsync("doc-1"))!;
        var good = stored.Payload.ToArray();

        // The entry count says more entries than the bytes can hold: the record itself is damaged.
        var record = (await store.ReadRecordAsync("doc-1"))!;
        int historyLength = good.Length - record.WithHistory([]).Encode(omitWinnerRevision: true).Length + 1;
        var badCount = (byte[])good.Clone();
        badCount[good.Length - historyLength] = 120;
        await store.Records.WriteAsync(stored with { Payload = badCount });
        var e = await Assert.ThrowsAsync<CorruptDataException>(async () => await store.ReadRecordAsync("doc-1"));
        Assert.Contains("'doc-1'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'db'", e.Message, StringComparison.Ordinal);

        // Structure inside the entries: decoding leaves them alone (the winner reads), using them reports the damage.
        var badEntry = (byte[])good.Clone();
        badEntry[good.Length - historyLength + 5] ^= 0xFF; // the first entry's flags
        await store.Records.WriteAsync(stored with { Payload = badEntry });
        Assert.Equal(4, (int)(await store.ReadAsync("doc-1"))!["v"]!);
        e = await Assert.ThrowsAsync<CorruptDataException>(async () => await store.GetHistoryAsync("doc-1"));
        Assert.Contains("'doc-1'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'db'", e.Message, StringComparison.Ordinal);

        // Content: the last byte (inside the oldest entry's delta) fails the checksum when the history is needed.
        var badDelta = (byte[])good.Clone();
        badDelta[^1] ^= 0x20;
        await store.Records.WriteAsync(stored with { Payload = badDelta });
        Assert.Equal(4, (int)(await store.ReadAsync("doc-1"))!["v"]!); // the winner still reads
        e = await Assert.ThrowsAsync<CorruptDataException>(async () => await store.GetHistoryAsync("doc-1"));
        Assert.Contains("'doc-1'", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CorruptDataException>(async () => await store.UndoAsync("doc-1"));

        // The record stays writable: a save drops the damaged part of its history and keeps what it replaced.
        var read = (await store.ReadAsync("doc-1"))!;
        await Save(store, "doc-1", 5, read);
        var history = await store.GetHistoryAsync("doc-1");
        Assert.Equal([true, true, false, false, false], history.Select(h => h.HasBody));
        Assert.Equal(4, (int)(await store.UndoAsync("doc-1"))["v"]!);
    }
}
