using System.Text;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Tests.Documents;

/// <summary>History in <see cref="DocumentRules"/> and <see cref="RecordHistory"/> (DESIGN §8): what saves, deletes,
/// merges and resolutions keep, the derived undo/redo stacks, and the record format 3 that stores it all.</summary>
public sealed class HistoryRulesTests
{
    private static byte[] B(string json) => Encoding.UTF8.GetBytes(json);

    private static string S(ReadOnlyMemory<byte> body) => Encoding.UTF8.GetString(body.Span);

    private static EditContext Edit(long stamp, int depth = RecordHistory.DefaultDepth) => new(stamp, depth);

    /// <summary>Encodes and decodes, as every write and read does (the engine form, winner's rev in the header).</summary>
    private static DocumentRecord Stored(DocumentRecord record) => DocumentRecord.Decode(record.Id, record.Encode(omitWinnerRevision: true), record.Winner.Rev);

    private static SaveOutcome Save(DocumentRecord? current, string json, long stamp, int depth = RecordHistory.DefaultDepth, bool pending = false)
    {
        var o = DocumentRules.Save("db", current, "x", current?.Winner.Rev.ToString(), B(json), pending, Edit(stamp, depth));
        return o with { Record = Stored(o.Record) };
    }

    private static SaveOutcome Undo(DocumentRecord current, long stamp) => Stored(DocumentRules.Undo("db", current, "x", edit: Edit(stamp) with { Kind = EditKind.Undo }));

    private static SaveOutcome Redo(DocumentRecord current, long stamp) => Stored(DocumentRules.Redo("db", current, "x", edit: Edit(stamp) with { Kind = EditKind.Redo }));

    private static SaveOutcome Stored(SaveOutcome o) => o with { Record = Stored(o.Record) };

    [Fact]
    public void Saves_keep_replaced_revisions_newest_first_with_stamp_kind_and_acked()
    {
        var v1 = Save(null, """{"v":1}""", 100);
        var v2 = Save(v1.Record, """{"v":2}""", 200);
        var v3 = Save(v2.Record, """{"v":3}""", 300, pending: true);
        var h = v3.Record.History;
        Assert.Equal([v2.Leaf.Rev, v1.Leaf.Rev], h.Select(e => e.Rev));
        Assert.Equal(["""{"v":2}""", """{"v":1}"""], h.Select(e => S(e.Body!.Value)));
        Assert.Equal([200L, 100L], h.Select(e => e.Stamp));
        Assert.Equal([false, true], h.Select(e => e.Acked));
        Assert.Equal(300, v3.Record.Winner.Stamp);
        Assert.Equal(EditKind.Save, v3.Record.Winner.Kind);
        var items = RecordHistory.Describe(v3.Record);
        Assert.Equal([v3.Leaf.Rev, v2.Leaf.Rev, v1.Leaf.Rev], items.Select(i => i.Rev));
        Assert.All(items, i => Assert.True(i.HasBody));
    }

    [Fact]
    public void Undo_undo_redo_walks_back_like_an_editor()
    {
        var v1 = Save(null, """{"v":1}""", 1);
        var v2 = Save(v1.Record, """{"v":2}""", 2);
        var v3 = Save(v2.Record, """{"v":3}""", 3);
        var v4 = Undo(v3.Record, 4);
        Assert.Equal("""{"v":2}""", S(v4.Leaf.Body));
        Assert.Equal(EditKind.Undo, v4.Leaf.Kind);
        Assert.Equal(4, v4.Leaf.Rev.Generation);
        var v5 = Undo(v4.Record, 5);
        Assert.Equal("""{"v":1}""", S(v5.Leaf.Body));
        var nothing = Assert.Throws<MyNoSqlException>(() => DocumentRules.Undo("db", v5.Record, "x"));
        Assert.Contains("nothing to undo", nothing.Message, StringComparison.Ordinal);
        Assert.Contains("'x'", nothing.Message, StringComparison.Ordinal);
        Assert.Contains("'db'", nothing.Message, StringComparison.Ordinal);
        var v6 = Redo(v5.Record, 6);
        Assert.Equal("""{"v":2}""", S(v6.Leaf.Body));
        Assert.Equal(EditKind.Redo, v6.Leaf.Kind);
        var v7 = Redo(v6.Record, 7);
        Assert.Equal("""{"v":3}""", S(v7.Leaf.Body));
        Assert.Contains("nothing to redo", Assert.Throws<MyNoSqlException>(() => DocumentRules.Redo("db", v7.Record, "x")).Message, StringComparison.Ordinal);
        // Undo after the redos goes back again.
        Assert.Equal("""{"v":2}""", S(Undo(v7.Record, 8).Leaf.Body));
    }

    [Fact]
    public void A_plain_save_clears_redo()
    {
        var v1 = Save(null, """{"v":1}""", 1);
        var v2 = Save(v1.Record, """{"v":2}""", 2);
        var v3 = Undo(v2.Record, 3);
        var v4 = Save(v3.Record, """{"v":"new"}""", 4);
        Assert.Throws<MyNoSqlException>(() => DocumentRules.Redo("db", v4.Record, "x"));
        Assert.Equal("""{"v":1}""", S(Undo(v4.Record, 5).Leaf.Body));
    }

    [Fact]
    public void Depth_keeps_that_many_bodies_and_older_ancestors_are_listed_without()
    {
        var o = Save(null, """{"v":0}""", 1, depth: 3);
        var revs = new List<Revision> { o.Leaf.Rev };
        for (int i = 1; i <= 6; i++) { o = Save(o.Record, $$"""{"v":{{i}}}""", i + 1, depth: 3); revs.Add(o.Leaf.Rev); }
        Assert.Equal(3, o.Record.History.Count);
        Assert.Equal(["""{"v":5}""", """{"v":4}""", """{"v":3}"""], o.Record.History.Select(e => S(e.Body!.Value)));
        var items = RecordHistory.Describe(o.Record);
        Assert.Equal(Enumerable.Reverse(revs), items.Select(i => i.Rev));
        Assert.Equal([true, true, true, true, false, false, false], items.Select(i => i.HasBody));
        Assert.False(RecordHistory.TryGetBody(o.Record, revs[2], out _, out _));
        Assert.True(RecordHistory.TryGetBody(o.Record, revs[3], out var body, out _));
        Assert.Equal("""{"v":3}""", S(body));
        // Undo reaches back as far as bodies are kept (undos are history entries too: the window moves with them).
        var r = o.Record;
        for (int i = 0; i < 2; i++) r = Stored(DocumentRules.Undo("db", r, "x", edit: Edit(100 + i, 3))).Record;
        Assert.Equal("""{"v":4}""", S(r.Winner.Body));
        Assert.Throws<MyNoSqlException>(() => DocumentRules.Undo("db", r, "x", edit: Edit(200, 3)));
    }

    [Fact]
    public void Depth_zero_keeps_nothing()
    {
        var v1 = Save(null, """{"v":1}""", 1, depth: 0);
        var v2 = Save(v1.Record, """{"v":2}""", 2, depth: 0);
        Assert.Empty(v2.Record.History);
        Assert.Equal([true, false], RecordHistory.Describe(v2.Record).Select(i => i.HasBody));
        Assert.Throws<MyNoSqlException>(() => DocumentRules.Undo("db", v2.Record, "x"));
    }

    [Fact]
    public void Delete_keeps_history_and_undo_brings_the_content_back_live()
    {
        var v1 = Save(null, """{"v":1}""", 1);
        var v2 = Save(v1.Record, """{"v":2}""", 2);
        var del = Stored(DocumentRules.Delete("db", v2.Record, "x", v2.Leaf.Rev.ToString(), edit: Edit(3)));
        Assert.True(del.Record.Winner.Deleted);
        Assert.Equal(2, del.Record.History.Count);
        var back = Undo(del.Record, 4);
        Assert.False(back.Leaf.Deleted);
        Assert.Equal("""{"v":2}""", S(back.Leaf.Body));
        Assert.Equal(del.Leaf.Rev, back.Leaf.Parent);
        // Redo deletes again.
        var again = Redo(back.Record, 5);
        Assert.True(again.Leaf.Deleted);
        Assert.True(again.Record.Winner.Deleted);
    }

    [Fact]
    public void Undo_of_an_unknown_or_bare_record()
    {
        Assert.Throws<DocumentNotFoundException>(() => DocumentRules.Undo("db", null, "x"));
        var v1 = Save(null, """{"v":1}""", 1);
        Assert.Throws<MyNoSqlException>(() => DocumentRules.Undo("db", v1.Record, "x"));
        Assert.Throws<MyNoSqlException>(() => DocumentRules.Redo("db", v1.Record, "x"));
    }

    [Fact]
    public void An_accepted_descendant_puts_what_it_replaced_in_history_and_undo_works_on_the_receiver()
    {
        var v1 = Save(null, """{"v":1}""", 1);
        var v2 = Save(v1.Record, """{"v":2}""", 2);
        // Another replica made v3 and v4 from v2; only v4 arrives.
        var v3 = RevisionLeaf.Child(v2.Leaf, false, B("""{"v":3}"""), stamp: 3);
        var v4 = RevisionLeaf.Child(v3, false, B("""{"v":4}"""), stamp: 4);
        var merged = DocumentRules.Merge(v2.Record, "x", v4, historyDepth: 20, pending: true);
        Assert.Equal(MergeResult.Accepted, merged.Result);
        var record = Stored(merged.Record);
        Assert.Equal([v2.Leaf.Rev, v1.Leaf.Rev], record.History.Select(e => e.Rev));
        Assert.False(record.History[0].Acked);
        Assert.Equal(4, record.Winner.Stamp);
        Assert.Equal("""{"v":2}""", S(DocumentRules.Undo("db", record, "x").Leaf.Body));
        // A conflict keeps the history; the chain still decodes when the winner changed under it.
        var other = RevisionLeaf.Child(v1.Leaf, false, B("""{"v":"zzzzz"}"""), stamp: 9);
        var conflict = DocumentRules.Merge(v2.Record, "x", RevisionLeaf.Child(other, false, B("""{"w":1}"""), stamp: 10));
        Assert.Equal(MergeResult.Conflict, conflict.Result);
        var c = Stored(Stored(conflict.Record));
        Assert.Equal(["""{"v":1}"""], c.History.Select(e => S(e.Body!.Value)));
    }

    [Fact]
    public void Undo_and_redo_replicate_as_ordinary_revisions_and_the_receiver_derives_the_same_stacks()
    {
        // Replica A: v1 → v2 → v3, undo (v4 = v2's content).
        var v1 = Save(null, """{"v":1}""", 1);
        var v2 = Save(v1.Record, """{"v":2}""", 2);
        var v3 = Save(v2.Record, """{"v":3}""", 3);
        var v4 = Undo(v3.Record, 4);
        // Replica B receives each leaf as replication delivers them (stamp and kind travel with the leaf).
        DocumentRecord? b = null;
        foreach (var leaf in new[] { v1.Leaf, v2.Leaf, v3.Leaf, v4.Leaf })
        {
            var m = DocumentRules.Merge(b, "x", leaf);
            Assert.Equal(MergeResult.Accepted, m.Result);
            b = Stored(m.Record);
        }
        Assert.Equal(v4.Leaf.Rev, b!.Winner.Rev);
        Assert.Equal(EditKind.Undo, b.Winner.Kind);
        Assert.Equal(4, b.Winner.Stamp);
        // Both replicas redo to the same revision (same parent, same content).
        var redoA = DocumentRules.Redo("db", v4.Record, "x", edit: Edit(5) with { Kind = EditKind.Redo });
        var redoB = DocumentRules.Redo("db", b, "x", edit: Edit(5) with { Kind = EditKind.Redo });
        Assert.Equal(redoA.Leaf.Rev, redoB.Leaf.Rev);
        Assert.Equal("""{"v":3}""", S(redoB.Leaf.Body));
        Assert.Equal(S(DocumentRules.Undo("db", v4.Record, "x").Leaf.Body), S(DocumentRules.Undo("db", b, "x").Leaf.Body));
    }

    [Fact]
    public void Resolve_closes_every_other_live_leaf_and_keeps_the_losers_bodies()
    {
        var v1 = Save(null, """{"v":1}""", 1);
        var a = DocumentRules.Save("db", v1.Record, "x", v1.Leaf.Rev.ToString(), B("""{"v":"a"}"""), edit: Edit(2));
        var b = RevisionLeaf.Child(v1.Leaf, false, B("""{"v":"b"}"""), stamp: 3);
        var rec = Stored(DocumentRules.Merge(a.Record, "x", b).Record);
        Assert.True(rec.HasConflicts);
        var loser = rec.Leaves[1];
        Assert.Throws<RevisionConflictException>(() => DocumentRules.Resolve("db", rec, "x", loser.Rev.ToString(), B("{}")));
        var r = Stored(DocumentRules.Resolve("db", rec, "x", rec.Winner.Rev.ToString(), B("""{"v":"ab"}"""), edit: Edit(5)));
        Assert.False(r.Record.HasConflicts);
        Assert.Equal(EditKind.Resolve, r.Leaf.Kind);
        Assert.Equal(rec.Winner.Rev, r.Leaf.Parent);
        Assert.Equal("""{"v":"ab"}""", S(r.Record.Winner.Body));
        var closed = r.Record.Leaves.Single(l => l.Deleted);
        Assert.Equal(DocumentRules.TombstoneOf(loser.Rev), closed.Rev);
        Assert.Equal([rec.Winner.Rev, loser.Rev, v1.Leaf.Rev], r.Record.History.Select(e => e.Rev));
        Assert.True(RecordHistory.TryGetBody(r.Record, loser.Rev, out var lb, out _));
        Assert.Equal(S(loser.Body), S(lb));
        // Without conflicts it is a plain save.
        var plain = DocumentRules.Resolve("db", r.Record, "x", r.Leaf.Rev.ToString(), B("""{"v":"c"}"""), edit: Edit(6) with { Kind = EditKind.Resolve });
        Assert.Equal(EditKind.Save, plain.Leaf.Kind);
        Assert.Throws<DocumentNotFoundException>(() => DocumentRules.Resolve("db", null, "x", null, B("{}")));
    }

    [Fact]
    public void Expired_tombstones_drop_their_history()
    {
        var clock = new HybridClock(TimeProvider.System);
        var v1 = Save(null, """{"v":1}""", clock.Next());
        long old = (DateTimeOffset.UtcNow.AddDays(-30).ToUnixTimeMilliseconds()) << 16;
        var del = Stored(DocumentRules.Delete("db", v1.Record, "x", v1.Leaf.Rev.ToString(), edit: Edit(old)));
        Assert.Single(del.Record.History);
        Assert.Empty(RecordHistory.DropExpired(del.Record, TimeSpan.FromDays(7), DateTimeOffset.UtcNow).History);
        Assert.Single(RecordHistory.DropExpired(del.Record, TimeSpan.FromDays(60), DateTimeOffset.UtcNow).History);
        Assert.Same(v1.Record, RecordHistory.DropExpired(v1.Record, TimeSpan.Zero, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void Formats_1_and_2_still_decode_with_stamp_0_kind_save_and_no_history()
    {
        var v1 = Save(null, """{"v":1}""", 1);
        var v2 = Save(v1.Record, """{"v":2}""", 2);
        var one = DocumentRecord.Decode("x", LegacyRecordPayload.Encode(v2.Record, omitWinnerRevision: false));
        var two = DocumentRecord.Decode("x", LegacyRecordPayload.Encode(v2.Record, omitWinnerRevision: true), v2.Leaf.Rev);
        foreach (var r in new[] { one, two })
        {
            Assert.Equal(v2.Leaf.Rev, r.Winner.Rev);
            Assert.Equal("""{"v":2}""", S(r.Winner.Body));
            Assert.Equal([v1.Leaf.Rev], r.Winner.Ancestry);
            Assert.Equal(0, r.Winner.Stamp);
            Assert.Equal(EditKind.Save, r.Winner.Kind);
            Assert.Empty(r.History);
        }
        // Saving over a format-2 record starts its history.
        var v3 = DocumentRules.Save("db", two, "x", v2.Leaf.Rev.ToString(), B("""{"v":3}"""));
        Assert.Equal(["""{"v":2}"""], Stored(v3.Record).History.Select(e => S(e.Body!.Value)));
    }

    [Fact]
    public void Format_3_round_trips_and_damaged_history_is_a_format_error()
    {
        var o = Save(null, """{"v":0,"pad":"0123456789012345678901234567890123456789"}""", 1);
        for (int i = 1; i < 6; i++) o = Save(o.Record, $$"""{"v":{{i}},"pad":"0123456789012345678901234567890123456789"}""", i + 1);
        var del = DocumentRules.Delete("db", o.Record, "x", o.Leaf.Rev.ToString(), edit: Edit(50) with { Kind = EditKind.Undo });
        var payload = del.Record.Encode();
        Assert.Equal(3, payload[0]);
        var back = DocumentRecord.Decode("x", payload);
        Assert.Equal(del.Record.Winner.Kind, back.Winner.Kind);
        Assert.Equal(50, back.Winner.Stamp);
        Assert.Equal(del.Record.History.Select(e => (e.Rev, e.Deleted, e.Stamp, e.Kind, S(e.Body!.Value), e.Acked)),
            back.History.Select(e => (e.Rev, e.Deleted, e.Stamp, e.Kind, S(e.Body!.Value), e.Acked)));
        // Re-encoding a decoded record gives the same bytes (the tail is copied as it is).
        Assert.Equal(payload, back.Encode());

        // Every truncation fails with FormatException, never another exception: at decode, or (inside the history's
        // entries, which decoding leaves alone) when the history is first used.
        for (int cut = 0; cut < payload.Length; cut++)
            Assert.Throws<FormatException>(() => DocumentRecord.Decode("x", payload.AsMemory(0, cut)).History);
        // A damaged history byte never yields a wrong entry silently: the history's checksum (checked when it is first
        // used) throws FormatException naming the record; the winner still decodes.
        int historyLength = payload.Length - del.Record.WithHistory([]).Encode().Length + 1;
        var original = back.History.Select(e => e.Body is { } b ? S(b) : "-").ToList();
        int detected = 0;
        for (int i = payload.Length - historyLength; i < payload.Length; i++)
        {
            var bad = (byte[])payload.Clone();
            bad[i] ^= 0x5A;
            DocumentRecord r;
            try
            {
                r = DocumentRecord.Decode("x", bad);
            }
            catch (FormatException)
            {
                detected++; // the entry count or the checksum field itself
                continue;
            }
            Assert.True(r.Winner.Deleted);
            Assert.Contains("'x'", Assert.Throws<FormatException>(() => r.History).Message, StringComparison.Ordinal);
            detected++;
        }
        Assert.Equal(historyLength, detected);
    }
}
