using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;

namespace MyNoSql;

public sealed partial class MyNoSqlDb
{
    /// <summary>
    /// The record's history on this replica, newest first: the current revision, then its ancestors (those whose body
    /// is kept, up to <see cref="MyNoSqlOptions.HistoryDepth"/>, with <see cref="RevisionInfo.HasBody"/>). Empty when the
    /// record is unknown here.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid id.</exception>
    public async Task<IReadOnlyList<RevisionInfo>> GetHistoryAsync(string id, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var items = await _store.GetHistoryAsync(id, cancellationToken).ConfigureAwait(false);
        return [.. items.Select(i => new RevisionInfo(i.Rev.ToString(), i.Deleted, HybridClock.ToTime(i.Stamp), i.HasBody))];
    }

    // DESIGN §8 names ReadDocAsync(id, rev) beside §3's ReadDocAsync(id); each keeps its optional token.
#pragma warning disable RS0026
    /// <summary>A kept revision of the record (the current one, a live conflict, or a past one still in history) as the
    /// user's JSON with that <c>rev</c>; null when this replica does not keep it (or it is a tombstone).</summary>
    /// <exception cref="ArgumentException">Invalid id, or <paramref name="rev"/> is not a revision.</exception>
    public async Task<JsonObject?> ReadDocAsync(string id, string rev, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rev);
        if (!Revision.TryParse(rev, out var revision))
            throw new ArgumentException($"'{rev}' is not a revision of the form '<generation>-<32 lowercase hex>'.", nameof(rev));
        ThrowIfDisposed();
        return await _store.ReadRevisionAsync(id, revision, cancellationToken).ConfigureAwait(false);
    }
#pragma warning restore RS0026

    /// <summary>
    /// Undo: writes a NEW revision whose content is the previous revision's (successive undos walk back through the
    /// record's edits; each is an ordinary revision that replicates). Durable when it returns.
    /// </summary>
    /// <exception cref="DocumentNotFoundException">No such record.</exception>
    /// <exception cref="MyNoSqlException">Nothing to undo (no earlier revision is kept).</exception>
    public async Task<JsonObject> UndoAsync(string id, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var saved = await _store.UndoAsync(id, cancellationToken).ConfigureAwait(false);
        _loop.Wake();
        return saved;
    }

    /// <summary>Redo: re-applies what the last undo of this record took back, as a new revision. Any save that is not an
    /// undo or redo clears the record's redo.</summary>
    /// <exception cref="DocumentNotFoundException">No such record.</exception>
    /// <exception cref="MyNoSqlException">Nothing to redo.</exception>
    public async Task<JsonObject> RedoAsync(string id, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var saved = await _store.RedoAsync(id, cancellationToken).ConfigureAwait(false);
        _loop.Wake();
        return saved;
    }
}
