using System.Text.Json.Nodes;
using MyNoSql.Storage.Patching;

namespace MyNoSql.Storage.Documents;

internal sealed partial class DocumentStore
{
    /// <summary>
    /// Patches the winner at <paramref name="rev"/> (DESIGN §8) and saves the result as a save would: a
    /// <see cref="JsonObject"/> is an RFC 7396 merge patch, a <see cref="JsonArray"/> an RFC 6902 JSON Patch. The read,
    /// the revision check, the patch and the write happen under the record's write lock, so a concurrent save or delete
    /// either lands before (this patch then fails with a conflict or not-found) or after; never a lost update. A result
    /// equal to the current content writes nothing and returns the current record.
    /// </summary>
    /// <exception cref="DocumentNotFoundException">No such record, or it is deleted.</exception>
    /// <exception cref="RevisionConflictException"><paramref name="rev"/> is not the current revision; nothing was written.</exception>
    /// <exception cref="InvalidPatchException">The patch is malformed or cannot apply; nothing was written.</exception>
    /// <exception cref="PatchTestFailedException">A JSON Patch <c>test</c> failed; nothing was written.</exception>
    /// <exception cref="DocumentFormatException">The patched record is larger than the maximum document size.</exception>
    public ValueTask<JsonObject> PatchAsync(string id, string? rev, JsonNode patch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(patch);
        return EditAsync(id, EditKind.Save, (current, pending, edit) =>
        {
            if (current is null || current.Winner.Deleted) throw new DocumentNotFoundException(Name, id);
            var winner = current.Winner;
            if (!Revision.TryParse(rev, out var given) || given != winner.Rev)
                throw new RevisionConflictException(Name, id, rev, winner.Rev.ToString());
            var content = JsonNode.Parse(winner.Body.Span, documentOptions: DocumentCodec.DocumentOptions)!.AsObject();
            var patched = DocumentPatch.Apply(content, patch, Name, id);
            // The save rule from here: the rev is checked again, history and stamp as for any save.
            return DocumentRules.Save(Name, current, id, rev, DocumentCodec.Parse(patched, _maxDocumentSize).Body, pending, edit);
        }, cancellationToken);
    }
}
