using System.Text.Json.Nodes;

namespace MyNoSql;

public sealed partial class MyNoSqlDb
{
    /// <summary>
    /// Patches the record at <paramref name="rev"/> and saves the result with the same rules as a save: a
    /// <see cref="JsonObject"/> is an RFC 7396 merge patch, a <see cref="JsonArray"/> an RFC 6902 JSON Patch. Returns the
    /// saved record (its new rev).
    /// </summary>
    /// <exception cref="DocumentNotFoundException">No such record, or it is deleted.</exception>
    /// <exception cref="RevisionConflictException"><paramref name="rev"/> is not the current revision; nothing was written.</exception>
    /// <exception cref="InvalidPatchException">The patch is malformed or cannot apply; nothing was written.</exception>
    /// <exception cref="PatchTestFailedException">A JSON Patch <c>test</c> failed; nothing was written.</exception>
    public Task<JsonObject> PatchDocAsync(string id, string rev, JsonNode patch, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();
}
