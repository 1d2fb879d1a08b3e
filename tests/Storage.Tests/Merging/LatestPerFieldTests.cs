using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Merging;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Storage.Tests.Merging;

/// <summary>
/// Latest is per field (DESIGN §8): each field takes the value whose write is newest, even when the leaf that holds the
/// older write was saved later for another field (audit C, t_latest4: a peer edits title at t1, a mirror title at t2, the
/// peer body at t3; the merge keeps the mirror's title and the peer's body). Every replica resolves the same way from
/// the leaves alone, whatever history it keeps.
/// </summary>
public sealed class LatestPerFieldTests
{
    private static readonly MergePolicy Policy = new() { Fields = { ["title"] = MergeStrategy.Latest, ["body"] = MergeStrategy.Latest } };
    private static readonly string[] Tracked = FieldStamps.TrackedBy(Policy)!;

    private static EditContext Edit(long stamp) => new(stamp, RecordHistory.DefaultDepth) { Tracked = Tracked };

    private static SaveOutcome Save(DocumentRecord? current, string json, long stamp) =>
        DocumentRules.Save("db", current, "Z", current?.Winner.Rev.ToString(), Encoding.UTF8.GetBytes(json), pending: true, Edit(stamp));

    private static JsonObject Body(DocumentRecord record) => JsonNode.Parse(record.Winner.Body.Span)!.AsObject();

    /// <summary>The t1/t2/t3 scenario: (the mirror's record, the peer's record) just before they learn each other's leaf.</summary>
    private static (DocumentRecord Mirror, DocumentRecord Peer) Scenario()
    {
        var created = Save(null, """{"title":"t0","body":"b0"}""", stamp: 100).Record;   // on the mirror, synced to the peer
        var peer = Save(created, """{"title":"peer-t1","body":"b0"}""", stamp: 200).Record;   // t1, offline
        var mirror = Save(created, """{"title":"mirror-t2","body":"b0"}""", stamp: 300).Record; // t2
        peer = Save(peer, """{"title":"peer-t1","body":"peer-t3"}""", stamp: 400).Record;      // t3
        return (mirror, peer);
    }

    [Fact]
    public void Each_field_takes_its_newest_write_not_the_newest_leaf()
    {
        var (mirror, peer) = Scenario();
        // Each side merges the other's leaf (as sync does) and resolves by the policy.
        var atMirror = DocumentRules.Merge(mirror, "Z", peer.Winner).Record;
        var atPeer = DocumentRules.Merge(peer, "Z", mirror.Winner).Record;
        Assert.True(atMirror.HasConflicts);
        var resolvedAtMirror = ConflictResolver.TryResolve(atMirror, Policy, RecordHistory.DefaultDepth);
        var resolvedAtPeer = ConflictResolver.TryResolve(atPeer, Policy, RecordHistory.DefaultDepth);

        Assert.NotNull(resolvedAtMirror);
        Assert.Equal("mirror-t2", (string)Body(resolvedAtMirror)["title"]!);
        Assert.Equal("peer-t3", (string)Body(resolvedAtMirror)["body"]!);
        Assert.False(resolvedAtMirror.HasConflicts);
        // Both replicas write the same resolution: same revision, content and field stamps.
        Assert.NotNull(resolvedAtPeer);
        Assert.Equal(resolvedAtMirror.Winner.Rev, resolvedAtPeer.Winner.Rev);
        Assert.True(resolvedAtMirror.Winner.Body.Span.SequenceEqual(resolvedAtPeer.Winner.Body.Span));
        Assert.True(resolvedAtMirror.Winner.FieldStamps.Span.SequenceEqual(resolvedAtPeer.Winner.FieldStamps.Span));
        // The resolution dates each field by the write it took, not by its own stamp.
        var times = FieldStamps.Parse(resolvedAtMirror.Winner.FieldStamps)!;
        Assert.Equal(300, times["title"]);
        Assert.Equal(400, times["body"]);
    }

    [Fact]
    public void A_write_wins_over_the_value_it_replaced_whatever_the_writers_clock_says()
    {
        // Audit P: a device whose clock is behind (1970) reads t0, written at a real time, and changes only the title.
        var created = Save(null, """{"title":"t0","body":"b0"}""", stamp: 5_000).Record;
        var behind = Save(created, """{"title":"B-title","body":"b0"}""", stamp: 10).Record;
        var other = Save(created, """{"title":"t0","body":"A-body"}""", stamp: 6_000).Record; // concurrently, another field
        var merged = DocumentRules.Merge(other, "Z", behind.Winner).Record;
        var resolved = ConflictResolver.TryResolve(merged, Policy, RecordHistory.DefaultDepth);
        Assert.NotNull(resolved);
        Assert.Equal("B-title", (string)Body(resolved)["title"]!);
        Assert.Equal("A-body", (string)Body(resolved)["body"]!);

        // A device far ahead wrote B1; a correct clock's later edit of the same field over it still replaces it.
        var ahead = Save(created, """{"title":"B1","body":"b0"}""", stamp: 9_000_000).Record;
        var over = Save(ahead, """{"title":"A2","body":"b0"}""", stamp: 7_000).Record;
        var sideways = Save(ahead, """{"title":"B1","body":"B-note"}""", stamp: 9_000_001).Record;
        var both = ConflictResolver.TryResolve(DocumentRules.Merge(sideways, "Z", over.Winner).Record, Policy, RecordHistory.DefaultDepth);
        Assert.NotNull(both);
        Assert.Equal("A2", (string)Body(both)["title"]!);
        Assert.Equal("B-note", (string)Body(both)["body"]!);
    }

    [Fact]
    public void The_mirror_resolves_without_the_peers_middle_revision_or_any_history()
    {
        var (mirror, peer) = Scenario();
        // What the mirror holds in the audit: the peer's gen 3 with no body of its gen 2, and here no history at all.
        var bare = DocumentRules.Merge(mirror.WithHistory([]), "Z", peer.Winner).Record;
        var resolved = ConflictResolver.TryResolve(bare, Policy, historyDepth: 0);
        Assert.NotNull(resolved);
        Assert.Equal("mirror-t2", (string)Body(resolved)["title"]!);
        Assert.Equal("peer-t3", (string)Body(resolved)["body"]!);
    }

    [Fact]
    public void A_field_changed_and_changed_back_is_a_write_too()
    {
        var created = Save(null, """{"title":"t0","body":"b0"}""", stamp: 100).Record;
        var a = Save(created, """{"title":"x","body":"b0"}""", stamp: 200).Record;
        var b = Save(created, """{"title":"y","body":"b0"}""", stamp: 300).Record;
        a = Save(a, """{"title":"t0","body":"b0"}""", stamp: 400).Record; // A reverts its title after B's write
        var resolved = ConflictResolver.TryResolve(DocumentRules.Merge(a, "Z", b.Winner).Record, Policy, RecordHistory.DefaultDepth);
        Assert.Equal("t0", (string)Body(resolved!)["title"]!);
    }

    [Fact]
    public void A_leaf_without_field_stamps_counts_at_its_own_stamp_only_where_it_changed_the_field()
    {
        // A peer saved before the policy named the fields (no field stamps) and changed only the body at 400; the
        // mirror's tracked title write at 300 stays, the peer's body wins.
        var created = Save(null, """{"title":"t0","body":"b0"}""", stamp: 100).Record;
        var untracked = DocumentRules.Save("db", created, "Z", created.Winner.Rev.ToString(), """{"title":"t0","body":"peer"}"""u8.ToArray(), edit: new EditContext(400, 20)).Record;
        Assert.True(untracked.Winner.FieldStamps.IsEmpty);
        var mirror = Save(created, """{"title":"mirror","body":"b0"}""", stamp: 300).Record;
        var conflict = DocumentRules.Merge(mirror, "Z", untracked.Winner).Record;
        var resolved = ConflictResolver.TryResolve(conflict, Policy, RecordHistory.DefaultDepth);
        Assert.Equal("mirror", (string)Body(resolved!)["title"]!);
        Assert.Equal("peer", (string)Body(resolved!)["body"]!);
        // That fallback needs the common ancestor's body: without it the conflict stays (another replica resolves).
        Assert.Null(ConflictResolver.TryResolve(conflict.WithHistory([]), Policy, RecordHistory.DefaultDepth));
    }

    [Fact]
    public void Field_stamps_survive_the_record_format_and_the_sync_batch()
    {
        var (_, peer) = Scenario();
        var leaf = peer.Winner;
        Assert.False(leaf.FieldStamps.IsEmpty);
        var decoded = DocumentRecord.Decode("Z", peer.Encode());
        Assert.True(decoded.Winner.FieldStamps.Span.SequenceEqual(leaf.FieldStamps.Span));
        var decodedWithoutRev = DocumentRecord.Decode("Z", peer.Encode(omitWinnerRevision: true), leaf.Rev);
        Assert.True(decodedWithoutRev.Winner.FieldStamps.Span.SequenceEqual(leaf.FieldStamps.Span));
        Assert.Equal(leaf.Kind, decoded.Winner.Kind);
        var batch = RecordBatch.Decode(RecordBatch.Encode([peer]));
        Assert.True(batch[0].Winner.FieldStamps.Span.SequenceEqual(leaf.FieldStamps.Span));
        var times = FieldStamps.Parse(leaf.FieldStamps)!;
        Assert.Equal(200, times["title"]);
        Assert.Equal(400, times["body"]);
        // A record without field stamps is encoded as before (no flag, no bytes).
        var plain = DocumentRules.Save("db", null, "Z", null, """{"title":"t0"}"""u8.ToArray()).Record;
        Assert.True(DocumentRecord.Decode("Z", plain.Encode()).Winner.FieldStamps.IsEmpty);
    }
}
