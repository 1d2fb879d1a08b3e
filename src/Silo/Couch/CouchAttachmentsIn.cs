using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Grains;
using MyNoSql.Grains.Attachments;
using MyNoSql.Storage.Attachments;

namespace MyNoSql.Silo.Couch;

/// <summary>
/// Maps a CouchDB document's <c>_attachments</c> onto our stubs (README "Attachments"). Inline <c>data</c> (base64, what
/// PouchDB's replicator pushes) is stored as a native attachment body (content-addressed, on a write quorum, streamed from
/// memory) and becomes <c>{"content_type","length","digest":"sha256-…"}</c> plus <c>couch_digest</c> (the client's
/// <c>md5-…</c> digest, or ours computed the same way) and <c>revpos</c>, so the document reads back with the digest the
/// client made. A <c>stub:true</c> entry must name an attachment this record already holds (by name and digest) in a
/// replicated revision (<c>new_edits=false</c>). In a normal save stubs alone mean "unchanged" (the record keeps its
/// attachments), each an attachment of the revision the save follows (else <c>missing_stub</c>, as CouchDB); with inline
/// data the document's <c>_attachments</c> is the complete new set, as in CouchDB: data is stored, <c>stub:true</c> entries
/// must be attachments of that revision (the winner, or the losing leaf the rev names), names left out are removed, and
/// <see cref="CouchWrites"/> makes the next revision of it.
/// </summary>
internal static class CouchAttachmentsIn
{
    /// <summary>The field of our stub that keeps the CouchDB digest.</summary>
    public const string CouchDigest = "couch_digest";

    /// <summary><paramref name="doc"/> with its attachments resolved into its body.</summary>
    /// <exception cref="CouchRequestException">Bad data, an unknown stub, or inline data in a normal save.</exception>
    public static async Task<CouchInput> ResolveAsync(HttpContext context, string db, CouchInput doc, bool newEdits)
    {
        if (doc.Attachments is not { Count: > 0 } atts) return doc;
        bool anyData = atts.Any(a => a.Value is JsonObject o && o.ContainsKey("data"));
        ReplicatedRevision[]? held = null;
        ReplicatedRevision? parent = null;
        int? revpos = null;
        if (newEdits)
        {
            held = await Gateway.ClusterCall.RetryAsync(context, () => CouchHttp.Record(context, db, doc.Id!).GetLeaves(context.RequestAborted).AsTask());
            var winner = held.FirstOrDefault();
            // As a save: the new revision follows the live leaf the rev names (the winner, or a losing conflict leaf as in
            // CouchDB); a live winner needs such a rev; a deleted (or no) winner is written over, a given rev ignored (README).
            parent = doc.Rev is null ? null : held.FirstOrDefault(l => !l.Deleted && string.Equals(l.Rev, doc.Rev, StringComparison.Ordinal));
            if (parent is null && winner is { Deleted: false })
                throw new CouchRequestException("conflict", "Document update conflict.");
            if (parent is null && winner is not null) parent = winner; // re-creation descends from the tombstone
            held = parent is { Deleted: false } ? [parent] : [];
            if (!anyData)
            {
                // Stubs only: the save keeps the stored attachments, but each stub must be one of them (CouchDB: 412 missing_stub).
                foreach (var (name, value) in atts)
                {
                    string? digest = value is JsonObject { } att && (att["digest"] as JsonValue)?.TryGetValue(out string? d) == true ? d : null;
                    if (FindHeld(held, name, digest) is null) throw MissingStub(doc, name, digest);
                }
                return doc;
            }
            revpos = parent is null ? 1 : CouchOutput.GenerationOf(parent.Rev) + 1;
        }
        var stubs = new JsonObject();
        foreach (var (name, value) in atts)
        {
            if (!AttachmentStubs.IsValidName(name)) throw new CouchRequestException("bad_request", $"Attachment name '{name}' is not valid here (1–255 bytes, not starting with '_').");
            if (value is not JsonObject att) throw new CouchRequestException("bad_request", $"Attachment '{name}' must be an object.");
            string? digest = (att["digest"] as JsonValue)?.TryGetValue(out string? d) == true ? d : null;
            string contentType = (att["content_type"] as JsonValue)?.TryGetValue(out string? ct) == true ? ct : AttachmentStubs.DefaultContentType;
            if (att["data"] is JsonValue dataValue)
            {
                if (!dataValue.TryGetValue(out string? base64)) throw new CouchRequestException("bad_request", $"Attachment '{name}': data must be a base64 string.");
                byte[] bytes;
                try
                {
                    bytes = Convert.FromBase64String(base64);
                }
                catch (FormatException)
                {
                    throw new CouchRequestException("bad_request", $"Attachment '{name}': data is not valid base64.");
                }
                string md5 = "md5-" + Convert.ToBase64String(MD5.HashData(bytes));
                using var stream = new MemoryStream(bytes, writable: false);
                var (manifest, _) = await context.RequestServices.GetRequiredService<AttachmentUpload>().StoreAsync(db, doc.Id!, stream, context.RequestAborted);
                stubs[name] = Stub(contentType, manifest.Length, manifest.Digest, newEdits ? md5 : digest ?? md5, revpos is { } pos ? JsonValue.Create(pos) : att["revpos"]);
                continue;
            }
            held ??= await Gateway.ClusterCall.RetryAsync(context, () => CouchHttp.Record(context, db, doc.Id!).GetLeaves(context.RequestAborted).AsTask());
            stubs[name] = FindHeld(held, name, digest) ?? throw MissingStub(doc, name, digest);
        }
        return doc with { Body = Splice(doc.Body, stubs), ExplicitAttachments = newEdits, Parent = parent };
    }

    private static CouchRequestException MissingStub(CouchInput doc, string name, string? digest) =>
        new("missing_stub", $"Attachment '{name}' of '{doc.Id}' is a stub, but no revision held here has it (digest {digest ?? "none"}).");

    private static JsonObject Stub(string contentType, long length, string digest, string couchDigest, JsonNode? revpos)
    {
        var stub = new JsonObject { ["content_type"] = contentType, ["length"] = length, ["digest"] = digest, [CouchDigest] = couchDigest };
        if (revpos is JsonValue r && r.TryGetValue(out int pos)) stub["revpos"] = pos;
        return stub;
    }

    /// <summary>Our stub named <paramref name="name"/> in a held leaf, matching <paramref name="digest"/> (ours or the CouchDB one) when given.</summary>
    private static JsonObject? FindHeld(ReplicatedRevision[] leaves, string name, string? digest)
    {
        foreach (var leaf in leaves)
        {
            if (leaf.Deleted || leaf.Body.Length <= 2 || leaf.Body.AsSpan().IndexOf("\"_attachments\""u8) < 0) continue;
            if (JsonNode.Parse(leaf.Body)?["_attachments"]?[name] is not JsonObject stub) continue;
            if (digest is null || (string?)stub["digest"] == digest || (string?)stub[CouchDigest] == digest) return (JsonObject)stub.DeepClone();
        }
        return null;
    }

    /// <summary>The body with <c>"_attachments": stubs</c> as its last field.</summary>
    private static byte[] Splice(byte[] body, JsonObject stubs)
    {
        var buffer = new ArrayBufferWriter<byte>(body.Length + 256);
        using (var w = new Utf8JsonWriter(buffer, CouchOutput.Options))
        {
            w.WriteStartObject();
            using (var parsed = JsonDocument.Parse(body))
                foreach (var p in parsed.RootElement.EnumerateObject()) p.WriteTo(w);
            w.WritePropertyName(AttachmentStubs.Key);
            stubs.WriteTo(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
