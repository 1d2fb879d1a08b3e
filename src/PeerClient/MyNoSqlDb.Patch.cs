using System.Text.Json.Nodes;

namespace MyNoSql;

public sealed partial class MyNoSqlDb
{
    /// <summary>
    /// Patches the record at <paramref name="rev"/> and saves the result with the same rules as a save: a
    /// <see cref="JsonObject"/> is an RFC 7396 merge patch, a <see cref="JsonArray"/> an RFC 6902 JSON Patch. Returns the
    /// saved record (its new rev; the current one when the patch changes nothing).
    /// </summary>
    /// <exception cref="DocumentNotFoundException">No such record, or it is deleted.</exception>
    /// <exception cref="RevisionConflictException"><paramref name="rev"/> is not the current revision; nothing was written.</exception>
    /// <exception cref="InvalidPatchException">The patch is malformed or cannot apply; nothing was written.</exception>
    /// <exception cref="PatchTestFailedException">A JSON Patch <c>test</c> failed; nothing was written.</exception>
    /// <exception cref="ArgumentException">Invalid id, or the patched record is larger than <see cref="MyNoSqlOptions.MaxDocumentSize"/>.</exception>
    public async Task<JsonObject> PatchDocAsync(string id, string rev, JsonNode patch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(rev);
        ArgumentNullException.ThrowIfNull(patch);
        ThrowIfDisposed();
        var saved = await _store.PatchAsync(id, rev, patch, cancellationToken).ConfigureAwait(false);
        _loop.Wake();
        return saved;
    }
}
