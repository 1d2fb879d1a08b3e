using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Patching;

namespace MyNoSql.Grains.Records;

/// <summary>History, undo, redo and patches of one record (DESIGN §8). History is this silo's own: each mirror builds it
/// as revisions arrive; the record's activation answers from its silo's copy.</summary>
internal sealed partial class RecordGrain
{
    public ValueTask<HistoryReply?> GetHistory(CancellationToken cancellationToken = default)
    {
        if (_record is null) return ValueTask.FromResult<HistoryReply?>(null);
        var items = RecordHistory.Describe(_record).Select(i => new HistoryItemReply(i.Rev.ToString(), i.Deleted, i.Stamp, i.HasBody)).ToArray();
        return ValueTask.FromResult<HistoryReply?>(new HistoryReply(_id, items));
    }

    public ValueTask<DocumentReply?> ReadRevision(string rev, CancellationToken cancellationToken = default)
    {
        if (_record is null || !Revision.TryParse(rev, out var revision)
            || !RecordHistory.TryGetBody(_record, revision, out var body, out bool deleted) || deleted)
            return ValueTask.FromResult<DocumentReply?>(null);
        return ValueTask.FromResult<DocumentReply?>(new DocumentReply(_id, revision.ToString(), DocumentCodec.ComposeUtf8(_id, revision, body.Span)));
    }

    public ValueTask<SaveReply> Undo(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return EditAsync(current => DocumentRules.Undo(_database, current, _id, edit: NewEdit(EditKind.Undo)), RecordStatus.NothingToUndo);
    }

    public ValueTask<SaveReply> Redo(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return EditAsync(current => DocumentRules.Redo(_database, current, _id, edit: NewEdit(EditKind.Redo)), RecordStatus.NothingToRedo);
    }

    public async ValueTask<SaveReply> Patch(string? rev, byte[] patch, bool jsonPatch, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(patch);
        JsonNode? parsed;
        try
        {
            // Any Orleans client may call this: the bytes are checked here, as a save's are.
            if (!System.Text.Unicode.Utf8.IsValid(patch)) return Invalid("The patch is not valid UTF-8.");
            parsed = JsonNode.Parse(patch, documentOptions: DocumentCodec.DocumentOptions);
        }
        catch (JsonException e)
        {
            return Invalid($"The patch is not valid JSON: {e.Message}");
        }
        if (jsonPatch && parsed is not JsonArray)
            return Invalid("A JSON Patch (application/json-patch+json) is an array of operations.");
        if (!jsonPatch && parsed is not JsonObject)
            return Invalid("A merge patch of a record (application/merge-patch+json) is a JSON object.");
        return await EditAsync(current =>
        {
            if (current is null || current.Winner.Deleted) throw new DocumentNotFoundException(_database, _id);
            string winner = current.Winner.Rev.ToString();
            if (!string.Equals(rev, winner, StringComparison.Ordinal)) throw new RevisionConflictException(_database, _id, rev, winner);
            var content = JsonNode.Parse(current.Winner.Body.Span, documentOptions: DocumentCodec.DocumentOptions)!.AsObject();
            var patched = DocumentPatch.Apply(content, parsed!, _database, _id);
            // The same checks and canonical bytes as a save of the patched record (size, nesting).
            var body = DocumentCodec.Parse(patched, _maxDocumentSize).Body;
            return DocumentRules.Save(_database, current, _id, rev, body, edit: NewEdit());
        }, nothing: null);
    }

    /// <summary>
    /// Runs a rule that makes a new revision of this record, persists it, and publishes every new leaf (replication to a
    /// write quorum, index segment) as a save does; maps the rules' exceptions to statuses.
    /// </summary>
    /// <param name="rule">The rule on the current record.</param>
    /// <param name="nothing">The status of a plain <see cref="MyNoSqlException"/> from the rule ("nothing to undo/redo");
    /// null: such an exception is a bug and propagates.</param>
    private async ValueTask<SaveReply> EditAsync(Func<DocumentRecord?, SaveOutcome> rule, RecordStatus? nothing)
    {
        await TrackPolicyAsync();
        try
        {
            var ((outcome, added), written) = await WriteAsync(current =>
            {
                var o = rule(current);
                return (o.Changed ? o.Record : null, (o, o.Changed ? NewLeaves(current, o.Record) : []));
            });
            var reply = Reply(outcome.Leaf);
            if (!written) return new SaveReply(RecordStatus.Ok, reply, null);
            NoteWrite();
            bool quorum = await PublishAsync(added);
            return new SaveReply(quorum ? RecordStatus.Ok : RecordStatus.QuorumUnavailable, reply, null);
        }
        catch (RevisionConflictException e)
        {
            return new SaveReply(RecordStatus.Conflict, null, e.CurrentRevision);
        }
        catch (DocumentNotFoundException)
        {
            return new SaveReply(RecordStatus.NotFound, null, null);
        }
        catch (DocumentFormatException e)
        {
            LogInvalidSave(_database, _id, e.Part, e.Message);
            return Invalid(e.Message);
        }
        catch (InvalidPatchException e)
        {
            return Invalid(e.Message);
        }
        catch (PatchTestFailedException e)
        {
            return new SaveReply(RecordStatus.TestFailed, null, null, e.Message);
        }
        catch (MyNoSqlException e) when (nothing is RecordStatus status)
        {
            LogNothingToDo(_database, _id, e.Message);
            return new SaveReply(status, null, _record?.Winner.Rev.ToString(), e.Message);
        }
    }

    private static SaveReply Invalid(string reason) => new(RecordStatus.Invalid, null, null, reason);

    [LoggerMessage(EventId = 2071, Level = LogLevel.Debug, Message = "{Database}/{Id}: {Problem}")]
    private partial void LogNothingToDo(string database, string id, string problem);
}
