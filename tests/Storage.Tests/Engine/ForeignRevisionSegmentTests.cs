using System.Security.Cryptography;
using System.Text;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

/// <summary>
/// Revisions another system made (PouchDB through /couch, src/Silo/Couch): their hash is random, not derived from the
/// content, so a version-4 segment must keep it (the writer stores every hash its payload does not give) and a reopen
/// must give back exactly that revision and ancestry. A deep CouchDB history (revs_limit 1000) that reaches the stored
/// leaf is a descendant, not a conflict, and what is kept stays bounded.
/// </summary>
public sealed class ForeignRevisionSegmentTests
{
    private static Revision Foreign(int generation) =>
        Revision.Parse($"{generation}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}");

    [Fact]
    public async Task A_foreign_revision_survives_sealing_and_reopening_with_its_hash_and_ancestry()
    {
        using var dir = new TempDirectory();
        var options = Small(shards: 1);
        var first = Foreign(1);
        var second = Foreign(2);
        var third = Foreign(3);
        byte[] body = Encoding.UTF8.GetBytes("{\"from\":\"pouchdb\",\"n\":3}");
        await using (var store = await DocumentStore.OpenAsync("db", dir.Path, options, 1 << 20))
        {
            Assert.Equal(MergeResult.Accepted, await store.MergeAsync("p", new RevisionLeaf(first, false, [], "{\"n\":1}"u8.ToArray()), pending: false));
            Assert.Equal(MergeResult.Accepted, await store.MergeAsync("p", new RevisionLeaf(third, false, [second, first], body), pending: false));
            Assert.False(DocumentRules.DerivesFromParent((await store.ReadRecordAsync("p"))!.Winner));
        }
        Assert.Single(Files(dir.Path, "*.lzs")); // sealed on close: the record now lives in a version-4 segment
        await using (var store = await DocumentStore.OpenAsync("db", dir.Path, options, 1 << 20))
        {
            var record = (await store.ReadRecordAsync("p"))!;
            var leaf = Assert.Single(record.Leaves);
            Assert.Equal(third, leaf.Rev);
            Assert.Equal([second, first], leaf.Ancestry);
            Assert.Equal(body, leaf.Body.ToArray());
            Assert.True(store.Records.TryGetHeader("p", out var header));
            Assert.Equal(third, header.Revision);
            Assert.Equal(third.ToString(), (string)(await store.ReadAsync("p"))!["rev"]!);
        }
    }

    [Fact]
    public async Task A_thousand_ancestor_history_reaching_the_stored_leaf_is_a_descendant_and_is_kept_bounded()
    {
        using var dir = new TempDirectory();
        await using var store = await DocumentStore.OpenAsync("db", dir.Path, Small(shards: 1), 1 << 20);
        var stored = Foreign(5);
        Assert.Equal(MergeResult.Accepted, await store.MergeAsync("deep", new RevisionLeaf(stored, false, [], "{\"v\":5}"u8.ToArray()), pending: false));
        // PouchDB edited it 995 times offline: its _revisions list 1000 ids, the oldest of which is our leaf.
        var ancestry = Enumerable.Range(0, RevisionLeaf.PendingAncestryLimit).Select(i => i == RevisionLeaf.PendingAncestryLimit - 1 ? stored : Foreign(1004 - i)).ToArray();
        var incoming = new RevisionLeaf(Foreign(1005), false, ancestry, "{\"v\":1005}"u8.ToArray());
        Assert.Equal(MergeResult.Accepted, await store.MergeAsync("deep", incoming, pending: false));
        var record = (await store.ReadRecordAsync("deep"))!;
        var leaf = Assert.Single(record.Leaves); // not a conflict
        Assert.Equal(incoming.Rev, leaf.Rev);
        Assert.Equal(RevisionLeaf.AncestryLimit, leaf.Ancestry.Length); // bounded: the newest ancestors are kept
        Assert.Equal(ancestry[..RevisionLeaf.AncestryLimit], leaf.Ancestry);
        // The same revision again (a replicator's retry) is already known.
        Assert.Equal(MergeResult.AlreadyKnown, await store.MergeAsync("deep", incoming, pending: false));
    }
}
