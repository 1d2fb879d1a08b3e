using Microsoft.Extensions.Logging;
using MyNoSql.Storage.Attachments;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Grains.Records;

/// <summary>
/// The attachment API's write (DESIGN §9): the only path that changes a record's <c>_attachments</c> on a mirror. The
/// gateway stores the body on a write quorum of silos first, then asks here for the revision that names it.
/// </summary>
internal sealed partial class RecordGrain
{
    public async ValueTask<SaveReply> SetAttachment(string? rev, string name, AttachmentStubInfo? stub, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(name);
        if (AttachmentProblem(name, stub) is { } problem)
        {
            LogRejected(_database, _id, problem);
            return new SaveReply(RecordStatus.Invalid, null, null, problem);
        }
        await TrackPolicyAsync();
        var winner = _record?.Winner;
        bool live = winner is { Deleted: false };
        if (!live)
        {
            // CouchDB: an attachment put without a rev creates the record, and so does one with a deleted record's own
            // tombstone rev; a rev from before the delete is stale, as for a save. Any other change needs a live record.
            if (stub is not null && winner is not null && DocumentRules.IsStaleOnDeleted(winner.Rev, rev))
                return new SaveReply(RecordStatus.Conflict, null, winner.Rev.ToString());
            if (stub is null || (rev is not null && rev != winner?.Rev.ToString()))
                return new SaveReply(RecordStatus.NotFound, null, null, $"Record '{_id}' not found in database '{_database}'.");
        }
        else if (!Revision.TryParse(rev, out var given) || given != winner!.Rev)
        {
            return new SaveReply(RecordStatus.Conflict, null, winner!.Rev.ToString());
        }
        try
        {
            var outcome = DocumentRules.SetAttachment(_database, _record, _id, rev, name,
                stub is null ? null : new AttachmentStub(stub.ContentType, stub.Length, stub.Digest), edit: NewEdit());
            if (InvalidBody(outcome.Leaf.Body.ToArray()) is { } invalid) return new SaveReply(RecordStatus.Invalid, null, null, invalid);
            var reply = Reply(outcome.Leaf);
            if (!outcome.Changed) return new SaveReply(RecordStatus.Ok, reply, null);
            bool quorum = await WriteAndReplicateAsync(outcome.Record, outcome.Leaf);
            LogAttachmentSet(_database, _id, name, stub is null ? "removed" : stub.Digest, outcome.Leaf.Rev.ToString());
            return new SaveReply(quorum ? RecordStatus.Ok : RecordStatus.QuorumUnavailable, reply, null);
        }
        catch (RevisionConflictException e)
        {
            return new SaveReply(RecordStatus.Conflict, null, e.CurrentRevision);
        }
        catch (AttachmentNotFoundException e)
        {
            return new SaveReply(RecordStatus.NotFound, null, null, $"Record '{_id}' has no attachment '{DocumentId.Printable(name)}'. {e.Message}");
        }
        catch (DocumentNotFoundException)
        {
            return new SaveReply(RecordStatus.NotFound, null, null, $"Record '{_id}' not found in database '{_database}'.");
        }
        catch (DocumentFormatException e)
        {
            LogRejected(_database, _id, e.Message);
            return new SaveReply(RecordStatus.Invalid, null, null, e.Message);
        }
    }

    private static string? AttachmentProblem(string name, AttachmentStubInfo? stub)
    {
        try
        {
            AttachmentStubs.ValidateName(name);
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
        if (stub is null) return null;
        if (!AttachmentStubs.IsValidDigest(stub.Digest)) return $"Attachment digest '{stub.Digest}' is not sha256-<base64 of 32 bytes>.";
        if (stub.Length < 0) return $"Attachment length must not be negative (got {stub.Length}).";
        if (string.IsNullOrWhiteSpace(stub.ContentType) || stub.ContentType.Length > 255 || stub.ContentType.Any(char.IsControl))
            return "Attachment content type must be 1–255 characters without control characters.";
        return null;
    }

    [LoggerMessage(EventId = 2072, Level = LogLevel.Debug, Message = "Attachment '{Name}' of {Database}/{Id} set to {Digest}: now at {Rev}")]
    private partial void LogAttachmentSet(string database, string id, string name, string digest, string rev);
}
