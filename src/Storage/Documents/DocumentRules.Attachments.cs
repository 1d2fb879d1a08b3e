using MyNoSql.Storage.Attachments;

namespace MyNoSql.Storage.Documents;

/// <summary>
/// The <c>_attachments</c> rules (DESIGN §9): only the attachment API changes a record's stubs. A user save (savedoc,
/// batch, patch, resolve) whose body has no <c>_attachments</c> keeps the current revision's stubs; one whose
/// <c>_attachments</c> differs from them is refused; undo and redo keep a live winner's stubs. Merges from other
/// replicas carry stubs as ordinary content.
/// </summary>
internal static partial class DocumentRules
{
    private static readonly ReadOnlyMemory<byte> EmptyObject = "{}"u8.ToArray();

    /// <summary>
    /// Sets the stub <paramref name="name"/> to <paramref name="stub"/> (null: removes it) as a new revision of the
    /// winner. A record that does not exist (or is deleted) is created with that one attachment, its rev treated as
    /// for a save (ignored when missing or malformed; on a deleted record, a well-formed rev other than the tombstone's
    /// is a conflict). Setting the stub it already has writes nothing.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid attachment name.</exception>
    /// <exception cref="RevisionConflictException">The record is live and <paramref name="givenRev"/> is not its current revision.</exception>
    /// <exception cref="DocumentNotFoundException">Removing from a record that does not exist or is deleted.</exception>
    /// <exception cref="AttachmentNotFoundException">Removing a name the current revision does not have.</exception>
    public static SaveOutcome SetAttachment(string database, DocumentRecord? current, string id, string? givenRev, string name, AttachmentStub? stub, bool pending = false, EditContext? edit = null)
    {
        AttachmentStubs.ValidateName(name);
        if (stub is not null && !AttachmentStubs.IsValidDigest(stub.Digest))
            throw new ArgumentException($"'{stub.Digest}' is not a sha256-<base64> digest.", nameof(stub));
        if (current is null || current.Winner.Deleted)
        {
            if (stub is null) throw new DocumentNotFoundException(database, id);
            return SaveBody(database, current, id, givenRev, AttachmentStubs.With(EmptyObject, name, stub), pending, edit);
        }
        var winner = current.Winner;
        if (!Revision.TryParse(givenRev, out var given) || given != winner.Rev)
            throw new RevisionConflictException(database, id, givenRev, winner.Rev.ToString());
        if (stub is null && !AttachmentStubs.Read(winner.Body).ContainsKey(name))
            throw new AttachmentNotFoundException(database, id, name);
        return SaveBody(database, current, id, givenRev, AttachmentStubs.With(winner.Body, name, stub), pending, edit);
    }

    /// <summary>
    /// The body a user save stores: <paramref name="body"/> with the current live winner's stubs (canonical form, last).
    /// </summary>
    /// <exception cref="DocumentFormatException">The body's <c>_attachments</c> is malformed or differs from the current stubs.</exception>
    internal static ReadOnlyMemory<byte> CarryAttachments(string database, DocumentRecord? current, string id, ReadOnlyMemory<byte> body)
    {
        var winnerBody = current is { Winner.Deleted: false } ? current.Winner.Body : ReadOnlyMemory<byte>.Empty;
        bool givenMay = HasStubs(body.Span), currentMay = HasStubs(winnerBody.Span);
        if (!givenMay && !currentMay) return body; // the common case: two byte scans
        IReadOnlyDictionary<string, AttachmentStub> currentStubs;
        try
        {
            currentStubs = AttachmentStubs.Read(winnerBody);
        }
        catch (ArgumentException)
        {
            return body; // a replica stored malformed stubs: they are ordinary content then
        }
        if (givenMay && AttachmentStubs.HasKey(body))
        {
            var given = AttachmentStubs.Read(body);
            if (!AttachmentStubs.Same(given, currentStubs))
                throw new DocumentFormatException(DocumentPart.Content,
                    $"Record '{DocumentId.Printable(id)}' in database '{database}': '_attachments' differs from the current revision's; attachments change only through the attachment API (PutAttachmentAsync/DeleteAttachmentAsync, HTTP /db/{{db}}/doc/{{id}}/att/{{name}}). Leave '_attachments' out to keep them.",
                    "document");
        }
        else if (currentStubs.Count == 0)
        {
            return body;
        }
        return AttachmentStubs.WithStubsOf(body, winnerBody);
    }

    /// <summary><paramref name="body"/> with the stubs of <paramref name="source"/> in place of its own.</summary>
    internal static ReadOnlyMemory<byte> KeepStubsOf(ReadOnlyMemory<byte> source, ReadOnlyMemory<byte> body)
    {
        if (!HasStubs(source.Span) && !HasStubs(body.Span)) return body;
        try
        {
            AttachmentStubs.Read(source); // valid stubs only: malformed ones (a replica's) are ordinary content
            return AttachmentStubs.WithStubsOf(body, source);
        }
        catch (ArgumentException)
        {
            return body;
        }
    }

    /// <summary>Cheap pre-check: the body may carry <c>_attachments</c> (false means it certainly does not).</summary>
    internal static bool HasStubs(ReadOnlySpan<byte> body) => body.IndexOf("\"_attachments\""u8) >= 0;
}
