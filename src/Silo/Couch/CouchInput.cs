using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Silo.Couch;

/// <summary>
/// A CouchDB document as a client sends it, mapped onto our record (README "Mapping"): <c>_id</c> → id, <c>_rev</c> → rev,
/// <c>_deleted</c> → a tombstone (its other content dropped), <c>_revisions</c> → the ancestry, every field not starting
/// with <c>_</c> → the body, in order. <c>_attachments</c> is kept apart (<see cref="Attachments"/>) until
/// <see cref="CouchAttachmentsIn"/> stores inline data and maps it onto our stubs. Field names go through
/// <see cref="CouchFieldNames"/> (<c>id</c> → <c>~id</c>, <c>~_foo</c> → <c>_foo</c>); any other <c>_</c> field is refused as
/// CouchDB refuses it, and so is an id starting with <c>_</c>.
/// </summary>
internal sealed record CouchInput(string? Id, string? Rev, bool Deleted, Revision[]? Ancestry, byte[] Body)
{
    /// <summary>The document's <c>_attachments</c> as sent (stubs or inline data), resolved into the body by <see cref="CouchAttachmentsIn"/>.</summary>
    public JsonObject? Attachments { get; init; }

    /// <summary>
    /// True for a normal save whose <c>_attachments</c> carried inline data: <see cref="CouchAttachmentsIn"/> then put the
    /// complete new set of stubs into <see cref="Body"/> (CouchDB's rule: names left out are removed), and the write makes
    /// the next revision of <see cref="Parent"/> itself (<see cref="CouchWrites"/>).
    /// </summary>
    public bool ExplicitAttachments { get; init; }

    /// <summary>With <see cref="ExplicitAttachments"/>: the winner the new revision follows (null: a creation).</summary>
    public Grains.ReplicatedRevision? Parent { get; init; }

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = DocumentCodec.MaxDepth };

    /// <summary>Maps <paramref name="doc"/>; with <paramref name="needRevisions"/> (new_edits=false) a revision is required: the
    /// one <c>_revisions</c> names when given (as CouchDB), else <c>_rev</c>.</summary>
    /// <exception cref="CouchRequestException">What is wrong, CouchDB-coded.</exception>
    public static CouchInput Parse(JsonNode? node, int maxSize, bool needRevisions)
    {
        if (node is not JsonObject doc) throw new CouchRequestException("bad_request", "Document must be a JSON object.");
        string? id = null, rev = null;
        bool deleted = false;
        JsonObject? revisions = null, attachments = null;
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            foreach (var (key, value) in doc)
            {
                switch (key)
                {
                    case "_id": id = StringOf(value, "_id"); continue;
                    case "_rev": rev = CouchRevs.ToOurs(StringOf(value, "_rev")); continue;
                    case "_deleted": deleted = value is JsonValue v && v.TryGetValue(out bool d) ? d : throw new CouchRequestException("doc_validation", "_deleted must be a boolean."); continue;
                    case "_revisions": revisions = value as JsonObject ?? throw new CouchRequestException("doc_validation", "_revisions must be an object {start, ids}."); continue;
                    case "_attachments": attachments = value as JsonObject ?? (value is null ? null : throw new CouchRequestException("doc_validation", "_attachments must be an object.")); continue;
                    case "_conflicts" or "_deleted_conflicts" or "_revs_info" or "_local_seq": continue; // CouchDB ignores these on write
                }
                if (key.StartsWith('_')) throw new CouchRequestException("doc_validation", $"Bad special document member: {key}");
                w.WritePropertyName(CouchFieldNames.ToNative(key));
                if (value is null) w.WriteNullValue();
                else value.WriteTo(w);
            }
            w.WriteEndObject();
        }
        if (id is not null)
        {
            try
            {
                DocumentId.Validate(id);
            }
            catch (ArgumentException e)
            {
                throw new CouchRequestException("illegal_docid", e.Message);
            }
            CheckNotReserved(id);
        }
        // new_edits=false with _revisions: the revision is the one _revisions names, as CouchDB (couch_doc takes the revs of
        // the later of _rev and _revisions; PouchDB sends _rev first) and PouchDB do. PouchDB's own trees can disagree:
        // after 1-a, 2-a it reports 3-c with _revisions {start: 2, ids: [c, a]}.
        if (needRevisions && revisions is not null && revisions["start"] is JsonValue startValue && startValue.TryGetValue(out int first)
            && revisions["ids"] is JsonArray { Count: > 0 } firstIds && firstIds[0] is JsonValue idValue && idValue.TryGetValue(out string? firstId))
            rev = string.Create(CultureInfo.InvariantCulture, $"{first}-{CouchRevs.IdToOurs(firstId)}");
        Revision parsed = default;
        if (rev is not null && !Revision.TryParse(rev, out parsed))
            throw new CouchRequestException("bad_request", $"Invalid rev format '{Shown(rev)}': expected <generation>-<32 lowercase hex>.");
        Revision[]? ancestry = null;
        if (needRevisions)
        {
            if (rev is null) throw new CouchRequestException("bad_request", "new_edits=false needs a _rev on every document.");
            ancestry = revisions is null ? [] : AncestryOf(revisions, parsed);
        }
        if (buffer.WrittenCount > maxSize)
            throw new CouchRequestException("document_too_large", $"The document is {buffer.WrittenCount} bytes of JSON; the maximum is {maxSize}.");
        return new CouchInput(id, rev, deleted, ancestry, deleted ? [] : buffer.WrittenSpan.ToArray()) { Attachments = deleted ? null : attachments };
    }

    /// <summary>
    /// Refuses a document id CouchDB reserves (README "Ids starting with <c>_</c>"): such records are not served through
    /// /couch, so none is written through it either. <c>_design/</c> is 403 as for <c>PUT</c>; <c>_local/</c> documents
    /// have their own route.
    /// </summary>
    /// <exception cref="CouchRequestException">The id starts with <c>_</c>.</exception>
    public static void CheckNotReserved(string id)
    {
        if (!CouchIds.IsHidden(id)) return;
        if (id.StartsWith("_design/", StringComparison.Ordinal))
            throw new CouchRequestException("forbidden", "Design documents are not supported by this server (README).");
        if (id.StartsWith("_local/", StringComparison.Ordinal))
            throw new CouchRequestException("bad_request", "_local documents are written with PUT /couch/{db}/_local/{id} here, not with _bulk_docs or POST.");
        throw new CouchRequestException("bad_request", CouchIds.ReservedReason);
    }

    /// <summary>The ancestry (parents, newest first) that <c>_revisions</c> gives for <paramref name="rev"/>.</summary>
    private static Revision[] AncestryOf(JsonObject revisions, Revision rev)
    {
        if (revisions["start"] is not JsonValue sv || !sv.TryGetValue(out int start) || revisions["ids"] is not JsonArray ids || ids.Count == 0)
            throw new CouchRequestException("bad_request", "_revisions must be {\"start\": <generation>, \"ids\": [<hash>, ...]}.");
        if (start != rev.Generation || CouchRevs.IdToOurs(StringOf(ids[0], "_revisions.ids[0]")) != rev.ToString()[(rev.ToString().IndexOf('-') + 1)..])
            throw new CouchRequestException("bad_request", $"_revisions does not start with the document's _rev '{rev}'.");
        int count = Math.Min(ids.Count - 1, Math.Min(start - 1, Storage.Documents.RevisionLeaf.PendingAncestryLimit));
        var ancestry = new Revision[count];
        for (int i = 0; i < count; i++)
        {
            string text = string.Create(CultureInfo.InvariantCulture, $"{start - 1 - i}-{CouchRevs.IdToOurs(StringOf(ids[i + 1], "_revisions.ids"))}");
            if (!Revision.TryParse(text, out ancestry[i]))
                throw new CouchRequestException("bad_request", $"_revisions.ids[{i + 1}] is not 32 lowercase hex digits.");
        }
        return ancestry;
    }

    private static string StringOf(JsonNode? node, string what) =>
        node is JsonValue v && v.TryGetValue(out string? s) ? s : throw new CouchRequestException("bad_request", $"{what} must be a string.");

    private static string Shown(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
