using System.Text.Json.Nodes;
using MyNoSql.Storage.Attachments;

namespace MyNoSql.Storage.Documents;

internal sealed partial class DocumentStore
{
    /// <summary>
    /// Sets (or, with a null <paramref name="stub"/>, removes) one attachment stub as a new pending revision
    /// (<see cref="DocumentRules.SetAttachment"/>). The body must already be durable in <see cref="Attachments"/>.
    /// </summary>
    /// <exception cref="RevisionConflictException"><paramref name="rev"/> is not the current revision.</exception>
    /// <exception cref="DocumentNotFoundException">Removing from a record that does not exist or is deleted.</exception>
    /// <exception cref="AttachmentNotFoundException">Removing a name the record does not have.</exception>
    public ValueTask<JsonObject> SetAttachmentAsync(string id, string? rev, string name, AttachmentStub? stub, CancellationToken cancellationToken = default) =>
        EditAsync(id, EditKind.Save, (current, pending, edit) => DocumentRules.SetAttachment(Name, current, id, rev, name, stub, pending, edit), cancellationToken);

    /// <summary>The stub <paramref name="name"/> of the record's winner; null when the record is absent, deleted or has no such attachment.</summary>
    public async ValueTask<AttachmentStub?> ReadAttachmentStubAsync(string id, string name, CancellationToken cancellationToken = default)
    {
        DocumentId.Validate(id);
        var record = await ReadRecordAsync(id, cancellationToken).ConfigureAwait(false);
        if (record is null || record.Winner.Deleted) return null;
        return AttachmentStubs.Read(record.Winner.Body).TryGetValue(name, out var stub) ? stub : null;
    }
}
