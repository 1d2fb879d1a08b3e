using System.Text;
using MyNoSql.Storage.Attachments;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Tests.Attachments;

/// <summary>The <c>_attachments</c> rules as pure functions (DocumentRules): what the peer and the record grains share.</summary>
public sealed class AttachmentRulesTests
{
    private const string D1 = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    private const string D2 = "sha256-LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564=";
    private static readonly AttachmentStub Stub1 = new("image/png", 10, D1);

    private static byte[] Json(string s) => Encoding.UTF8.GetBytes(s);

    private static SaveOutcome WithAttachment()
    {
        var created = DocumentRules.Save("db", null, "r", null, Json("{\"v\":1}"));
        return DocumentRules.SetAttachment("db", created.Record, "r", created.Leaf.Rev.ToString(), "a.png", Stub1);
    }

    [Fact]
    public void Saves_and_other_attachments_edits_keep_a_stubs_extra_fields_as_stored()
    {
        // A stub a CouchDB client made carries couch_digest and revpos (src/Silo/Couch): a body-only save or a change of
        // another attachment once rewrote it in our canonical form, and PouchDB then fetched the unchanged body again.
        string couchStub = $$$"""{"content_type":"text/plain","length":10,"digest":"{{{D1}}}","couch_digest":"md5-abc","revpos":1}""";
        var leaf = RevisionLeaf.Child(null, false, Json($$$"""{"v":1,"_attachments":{"a.txt":{{{couchStub}}}}}"""));
        var current = DocumentRecord.Create("r", [leaf]);
        var saved = DocumentRules.Save("db", current, "r", leaf.Rev.ToString(), Json("""{"v":2}"""));
        Assert.Equal($$$"""{"v":2,"_attachments":{"a.txt":{{{couchStub}}}}}""", Encoding.UTF8.GetString(saved.Leaf.Body.Span));
        var added = DocumentRules.SetAttachment("db", saved.Record, "r", saved.Leaf.Rev.ToString(), "b.png", Stub1);
        string pngStub = $$$"""{"content_type":"image/png","length":10,"digest":"{{{D1}}}"}""";
        Assert.Equal("{\"v\":2,\"_attachments\":{\"a.txt\":" + couchStub + ",\"b.png\":" + pngStub + "}}",
            Encoding.UTF8.GetString(added.Leaf.Body.Span));
        var removed = DocumentRules.SetAttachment("db", added.Record, "r", added.Leaf.Rev.ToString(), "a.txt", null);
        Assert.Equal("{\"v\":2,\"_attachments\":{\"b.png\":" + pngStub + "}}",
            Encoding.UTF8.GetString(removed.Leaf.Body.Span));
    }

    [Fact]
    public void SetAttachment_adds_replaces_and_removes_one_stub_as_new_revisions()
    {
        var put = WithAttachment();
        Assert.Equal(2, put.Leaf.Rev.Generation);
        Assert.Equal(Stub1, AttachmentStubs.Read(put.Leaf.Body)["a.png"]);
        var same = DocumentRules.SetAttachment("db", put.Record, "r", put.Leaf.Rev.ToString(), "a.png", Stub1);
        Assert.False(same.Changed);
        var replaced = DocumentRules.SetAttachment("db", put.Record, "r", put.Leaf.Rev.ToString(), "a.png", Stub1 with { Digest = D2 });
        Assert.Equal(D2, AttachmentStubs.Read(replaced.Leaf.Body)["a.png"].Digest);
        var removed = DocumentRules.SetAttachment("db", replaced.Record, "r", replaced.Leaf.Rev.ToString(), "a.png", null);
        Assert.Equal("{\"v\":1}", Encoding.UTF8.GetString(removed.Leaf.Body.Span));
        Assert.Throws<RevisionConflictException>(() => DocumentRules.SetAttachment("db", removed.Record, "r", put.Leaf.Rev.ToString(), "a.png", Stub1));
        Assert.Throws<AttachmentNotFoundException>(() => DocumentRules.SetAttachment("db", removed.Record, "r", removed.Leaf.Rev.ToString(), "a.png", null));
        Assert.Throws<DocumentNotFoundException>(() => DocumentRules.SetAttachment("db", null, "x", null, "a.png", null));
        Assert.Throws<ArgumentException>(() => DocumentRules.SetAttachment("db", put.Record, "r", put.Leaf.Rev.ToString(), "_x", Stub1));
        Assert.Throws<ArgumentException>(() => DocumentRules.SetAttachment("db", put.Record, "r", put.Leaf.Rev.ToString(), "x", Stub1 with { Digest = "md5-x" }));
    }

    [Fact]
    public void A_save_without_stubs_keeps_them_and_the_same_edit_gives_the_same_revision_everywhere()
    {
        var put = WithAttachment();
        var saved = DocumentRules.Save("db", put.Record, "r", put.Leaf.Rev.ToString(), Json("{\"v\":2}"));
        Assert.Equal(Stub1, AttachmentStubs.Read(saved.Leaf.Body)["a.png"]);
        // Sending the stubs back (as read) is the same edit: same body, same revision.
        var explicitStubs = DocumentRules.Save("db", put.Record, "r", put.Leaf.Rev.ToString(), AttachmentStubs.With(Json("{\"v\":2}"), "a.png", Stub1));
        Assert.Equal(saved.Leaf.Rev, explicitStubs.Leaf.Rev);
        // A retried save without the stubs is recognised as the save that wrote the leaf (gateway retries).
        Assert.True(DocumentRules.IsSaveOf(saved.Leaf, put.Leaf.Rev.ToString(), Json("{\"v\":2}")));
        Assert.False(DocumentRules.IsSaveOf(saved.Leaf, put.Leaf.Rev.ToString(), Json("{\"v\":3}")));
        Assert.Throws<DocumentFormatException>(() => DocumentRules.Save("db", put.Record, "r", put.Leaf.Rev.ToString(), AttachmentStubs.With(Json("{\"v\":2}"), "a.png", Stub1 with { Length = 11 })));
    }

    [Fact]
    public void Merges_carry_stubs_as_content_and_a_merge_policy_resolution_may_change_them()
    {
        var put = WithAttachment();
        // Another replica's revision with other stubs merges as it is.
        var other = RevisionLeaf.Child(put.Leaf, deleted: false, AttachmentStubs.With(Json("{\"v\":9}"), "b.png", Stub1 with { Digest = D2 }));
        var merged = DocumentRules.Merge(put.Record, "r", other);
        Assert.Equal(MergeResult.Accepted, merged.Result);
        Assert.Equal(["b.png"], AttachmentStubs.Read(merged.Record.Winner.Body).Keys);
        // A resolution by a merge policy keeps what it merged; the application's resolve keeps the winner's stubs.
        var concurrent = RevisionLeaf.Child(put.Leaf, deleted: false, Json("{\"v\":8}"));
        var conflicted = DocumentRules.Merge(merged.Record, "r", concurrent).Record;
        Assert.True(conflicted.HasConflicts);
        byte[] union = AttachmentStubs.With(AttachmentStubs.With(Json("{\"v\":10}"), "a.png", Stub1), "b.png", Stub1 with { Digest = D2 });
        var byPolicy = DocumentRules.Resolve("db", conflicted, "r", conflicted.Winner.Rev.ToString(), union, merged: true);
        Assert.Equal(2, AttachmentStubs.Read(byPolicy.Leaf.Body).Count);
        Assert.Throws<DocumentFormatException>(() => DocumentRules.Resolve("db", conflicted, "r", conflicted.Winner.Rev.ToString(), union));
        var byApp = DocumentRules.Resolve("db", conflicted, "r", conflicted.Winner.Rev.ToString(), Json("{\"v\":10}"));
        Assert.Equal(AttachmentStubs.Read(conflicted.Winner.Body).Keys, AttachmentStubs.Read(byApp.Leaf.Body).Keys);
    }
}
