using System.Text.Json.Nodes;
using MyNoSql.Storage.Engine;

namespace MyNoSql.Storage.Documents;

internal sealed partial class DocumentStore
{
    /// <summary>The record's history on this replica (<see cref="RecordHistory.Describe"/>); empty when the id is unknown.</summary>
    /// <exception cref="CorruptDataException">The stored record or its history is damaged.</exception>
    public async ValueTask<IReadOnlyList<HistoryItem>> GetHistoryAsync(string id, CancellationToken cancellationToken = default)
    {
        DocumentId.Validate(id);
        var record = await ReadRecordAsync(id, cancellationToken).ConfigureAwait(false);
        return record is null ? [] : Guard(id, () => RecordHistory.Describe(record));
    }

    /// <summary>A revision this replica keeps (a leaf or a past revision with its body) as the user's JSON with that
    /// <c>rev</c>; null when it is not kept or is a tombstone.</summary>
    /// <exception cref="CorruptDataException">The stored record or its history is damaged.</exception>
    public async ValueTask<JsonObject?> ReadRevisionAsync(string id, Revision rev, CancellationToken cancellationToken = default)
    {
        DocumentId.Validate(id);
        var record = await ReadRecordAsync(id, cancellationToken).ConfigureAwait(false);
        if (record is null) return null;
        var (found, body, deleted) = Guard(id, () => RecordHistory.TryGetBody(record, rev, out var b, out var d) ? (true, b, d) : (false, default, false));
        return found && !deleted ? DocumentCodec.Compose(id, rev, body.Span) : null;
    }

    /// <summary>Undo (DESIGN §8): a new pending revision with the content the record's undo stack points at.</summary>
    /// <exception cref="DocumentNotFoundException">No such record.</exception>
    /// <exception cref="MyNoSqlException">Nothing to undo.</exception>
    public ValueTask<JsonObject> UndoAsync(string id, CancellationToken cancellationToken = default) =>
        EditAsync(id, EditKind.Undo, (current, pending, edit) => DocumentRules.Undo(Name, current, id, pending, edit), cancellationToken);

    /// <summary>Redo (DESIGN §8): re-applies what the last undo took back, as a new pending revision.</summary>
    /// <exception cref="DocumentNotFoundException">No such record.</exception>
    /// <exception cref="MyNoSqlException">Nothing to redo.</exception>
    public ValueTask<JsonObject> RedoAsync(string id, CancellationToken cancellationToken = default) =>
        EditAsync(id, EditKind.Redo, (current, pending, edit) => DocumentRules.Redo(Name, current, id, pending, edit), cancellationToken);

    /// <summary>
    /// The application's manual merge (<see cref="DocumentRules.Resolve"/>): <paramref name="merged"/> (its <c>rev</c>
    /// the winner's) becomes a child of the winner and every other live leaf is closed, in one pending write.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid record, or its <c>id</c> is not <paramref name="id"/>.</exception>
    /// <exception cref="DocumentNotFoundException">No such record, or it is deleted.</exception>
    /// <exception cref="RevisionConflictException">The <c>rev</c> is not the winner's.</exception>
    public ValueTask<JsonObject> ResolveAsync(string id, JsonObject merged, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(merged);
        DocumentId.Validate(id);
        var parsed = DocumentCodec.Parse(merged, _maxDocumentSize);
        if (parsed.Id is not null && !string.Equals(parsed.Id, id, StringComparison.Ordinal))
            throw new ArgumentException($"The merged record's id '{parsed.Id}' is not '{id}'.", nameof(merged));
        return EditAsync(id, EditKind.Resolve, (current, pending, edit) => DocumentRules.Resolve(Name, current, id, parsed.Rev, parsed.Body, pending, edit), cancellationToken);
    }

    private async ValueTask<JsonObject> EditAsync(string id, EditKind kind, Func<DocumentRecord?, bool, EditContext, SaveOutcome> rule, CancellationToken cancellationToken)
    {
        DocumentId.Validate(id);
        using (await _replica.LockAsync(id, cancellationToken).ConfigureAwait(false))
        {
            var current = await ReadRecordAsync(id, cancellationToken).ConfigureAwait(false);
            var outcome = Guard(id, () => rule(current, IsPending(id), _replica.NewEdit(kind)));
            if (outcome.Changed)
                await PersistAsync(outcome.Record, RecordFlags.Pending, cancellationToken).ConfigureAwait(false);
            var result = DocumentCodec.Compose(id, outcome.Leaf.Rev, outcome.Leaf.Body.Span);
            if (outcome.Leaf.Deleted) result["_deleted"] = true;
            return result;
        }
    }

    // History bodies are decoded on first use: a damaged delta surfaces here, named like any damaged record.
    private T Guard<T>(string id, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (FormatException e)
        {
            throw new CorruptDataException(Records.Directory, 0, $"database '{Name}', record '{id}': {e.Message}", e);
        }
    }
}
