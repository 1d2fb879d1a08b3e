using System.Buffers;
using System.Text.Json;
using MyNoSql.Grains;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Silo.Couch;

/// <summary>
/// Writes our records as CouchDB documents (README "Mapping"): <c>_id</c>, <c>_rev</c>, <c>_deleted</c> for a tombstone,
/// the body's fields in order under their document names (<see cref="CouchFieldNames"/>), <c>_attachments</c> stubs in CouchDB's shape (<c>stub</c>, <c>revpos</c>, the
/// client's digest or our <c>sha256-</c> one), then <c>_revisions</c> and <c>_conflicts</c> when asked.
/// </summary>
internal static class CouchOutput
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = DocumentCodec.MaxDepth + 2 };

    /// <summary>The writer options of every /couch response.</summary>
    public static JsonWriterOptions Options => WriterOptions;

    /// <summary>Writes one document from a stored body (no <c>id</c>/<c>rev</c>).</summary>
    /// <param name="w">The writer.</param>
    /// <param name="id">The record id.</param>
    /// <param name="rev">The revision shown.</param>
    /// <param name="deleted">True for a tombstone.</param>
    /// <param name="body">The stored body (empty for a tombstone).</param>
    /// <param name="ancestry">With <c>revs=true</c>: the parents, newest first (written as <c>_revisions</c>); else null.</param>
    /// <param name="conflicts">Live losing revisions to list as <c>_conflicts</c> (null or empty: none).</param>
    /// <param name="data">With <c>attachments=true</c>: attachment bodies by our digest, written inline instead of stubs.</param>
    /// <param name="revsInfo">With <c>revs_info=true</c>: the parents, newest first (written as <c>_revs_info</c>); else null.</param>
    public static void WriteDoc(Utf8JsonWriter w, string id, string rev, bool deleted, ReadOnlySpan<byte> body, IReadOnlyList<string>? ancestry,
        IReadOnlyList<string>? conflicts = null, IReadOnlyDictionary<string, byte[]>? data = null, IReadOnlyList<string>? revsInfo = null)
    {
        w.WriteStartObject();
        w.WriteString("_id", id);
        w.WriteString("_rev", CouchRevs.ToCouch(rev));
        if (deleted) w.WriteBoolean("_deleted", true);
        if (!deleted && body.Length > 2)
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = DocumentCodec.MaxDepth });
            using var doc = JsonDocument.ParseValue(ref reader);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.NameEquals("_attachments"u8) && p.Value.ValueKind == JsonValueKind.Object) WriteStubs(w, p.Value, rev, data);
                else WriteField(w, p);
            }
        }
        if (ancestry is not null) WriteRevisions(w, rev, ancestry);
        if (revsInfo is not null) WriteRevsInfo(w, rev, deleted, revsInfo);
        WriteConflicts(w, conflicts);
        w.WriteEndObject();
    }

    // CouchDB's _revs_info: the revision, then its ancestors newest first, each "available", "deleted" or "missing".
    // Only leaves are served (an ancestor's ?rev= is 404, README "Deviations"), so every ancestor is "missing".
    private static void WriteRevsInfo(Utf8JsonWriter w, string rev, bool deleted, IReadOnlyList<string> ancestry)
    {
        w.WriteStartArray("_revs_info");
        w.WriteStartObject();
        w.WriteString("rev", CouchRevs.ToCouch(rev));
        w.WriteString("status", deleted ? "deleted" : "available");
        w.WriteEndObject();
        foreach (var a in ancestry)
        {
            w.WriteStartObject();
            w.WriteString("rev", CouchRevs.ToCouch(a));
            w.WriteString("status", "missing");
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>A body field under its document name (<see cref="CouchFieldNames"/>: <c>_foo</c> → <c>~_foo</c>, <c>~id</c> → <c>id</c>).</summary>
    private static void WriteField(Utf8JsonWriter w, JsonProperty p)
    {
        w.WritePropertyName(CouchFieldNames.ToCouch(p.Name));
        p.Value.WriteTo(w);
    }

    private static void WriteConflicts(Utf8JsonWriter w, IReadOnlyList<string>? conflicts)
    {
        if (conflicts is not { Count: > 0 }) return;
        w.WriteStartArray("_conflicts");
        foreach (var c in conflicts) w.WriteStringValue(CouchRevs.ToCouch(c));
        w.WriteEndArray();
    }

    /// <summary>Writes a leaf as a document; with <paramref name="revsInfo"/> also <c>_revs_info</c>.</summary>
    public static void WriteLeaf(Utf8JsonWriter w, string id, ReplicatedRevision leaf, bool revs, IReadOnlyList<string>? conflicts = null,
        IReadOnlyDictionary<string, byte[]>? data = null, bool revsInfo = false) =>
        WriteDoc(w, id, leaf.Rev, leaf.Deleted, leaf.Body, revs ? leaf.Ancestry : null, conflicts, data, revsInfo ? leaf.Ancestry : null);

    /// <summary>Writes a record as the native reads return it (<c>{"id","rev",…}</c>) as a document.</summary>
    public static void WriteNative(Utf8JsonWriter w, DocumentReply reply, IReadOnlyList<string>? conflicts = null)
    {
        // The native JSON is {"id":…,"rev":…,<body>}: the body's fields follow, so the record is rewritten field by field.
        var reader = new Utf8JsonReader(reply.Json, new JsonReaderOptions { MaxDepth = DocumentCodec.MaxDepth });
        using var doc = JsonDocument.ParseValue(ref reader);
        w.WriteStartObject();
        w.WriteString("_id", reply.Id);
        w.WriteString("_rev", CouchRevs.ToCouch(reply.Rev));
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.NameEquals("id"u8) || p.NameEquals("rev"u8)) continue;
            if (p.NameEquals("_attachments"u8) && p.Value.ValueKind == JsonValueKind.Object) WriteStubs(w, p.Value, reply.Rev);
            else WriteField(w, p);
        }
        WriteConflicts(w, conflicts);
        w.WriteEndObject();
    }

    /// <summary><c>"_revisions": {"start": N, "ids": [hash of rev, hashes of its ancestors…]}</c>.</summary>
    public static void WriteRevisions(Utf8JsonWriter w, string rev, IReadOnlyList<string> ancestry)
    {
        w.WriteStartObject("_revisions");
        w.WriteNumber("start", GenerationOf(rev));
        w.WriteStartArray("ids");
        w.WriteStringValue(CouchRevs.HashToCouch(HashOf(rev)));
        foreach (var a in ancestry) w.WriteStringValue(CouchRevs.HashToCouch(HashOf(a)));
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>One JSON value written into a fresh byte array.</summary>
    public static byte[] Bytes(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions)) write(w);
        return buffer.WrittenSpan.ToArray();
    }

    public static int GenerationOf(string rev) => int.Parse(rev.AsSpan(0, rev.IndexOf('-', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);

    private static string HashOf(string rev) => rev[(rev.IndexOf('-', StringComparison.Ordinal) + 1)..];

    // Our stubs {"content_type","length","digest"} in CouchDB's shape: the client's digest when it made the attachment
    // (couch_digest), else ours (sha256-); revpos as the client gave it, else (native attachments: we do not track it) the
    // revision's own generation, which replicators read only as "at or before this revision". With data (attachments=true)
    // an attachment whose body is there is written as CouchDB does then: its fields with "data" (base64), no "stub".
    private static void WriteStubs(Utf8JsonWriter w, JsonElement stubs, string rev, IReadOnlyDictionary<string, byte[]>? data = null)
    {
        w.WriteStartObject("_attachments");
        foreach (var att in stubs.EnumerateObject())
        {
            w.WriteStartObject(att.Name);
            bool revpos = false;
            string? couchDigest = att.Value.TryGetProperty(CouchAttachmentsIn.CouchDigest, out var cd) ? cd.GetString() : null;
            foreach (var f in att.Value.EnumerateObject())
            {
                if (f.NameEquals(CouchAttachmentsIn.CouchDigest)) continue;
                if (f.NameEquals("digest"u8) && couchDigest is not null) w.WriteString("digest", couchDigest);
                else f.WriteTo(w);
                revpos |= f.NameEquals("revpos"u8);
            }
            if (!revpos) w.WriteNumber("revpos", GenerationOf(rev));
            if (data is not null && att.Value.TryGetProperty("digest"u8, out var ours) && ours.GetString() is { } digest && data.TryGetValue(digest, out var bytes))
                w.WriteBase64String("data", bytes);
            else w.WriteBoolean("stub", true);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }
}
