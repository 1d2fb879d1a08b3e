using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Patching;

/// <summary>
/// Applies patches to a record's content (DESIGN §8): a <see cref="JsonObject"/> is an RFC 7396 merge patch, a
/// <see cref="JsonArray"/> an RFC 6902 JSON Patch (add, remove, replace, move, copy, test). The content never holds
/// <c>id</c>/<c>rev</c>; a patch that would set or remove them is refused. Pure: the input is not modified.
/// </summary>
internal static class DocumentPatch
{
    /// <summary>The media type of RFC 7396 merge patches.</summary>
    public const string MergePatchMediaType = "application/merge-patch+json";

    /// <summary>The media type of RFC 6902 JSON Patches.</summary>
    public const string JsonPatchMediaType = "application/json-patch+json";

    /// <summary>The patched content, a new object.</summary>
    /// <param name="content">The current content (without id/rev).</param>
    /// <param name="patch">A merge patch (object) or a JSON Patch (array).</param>
    /// <param name="database">For errors.</param>
    /// <param name="id">For errors.</param>
    /// <exception cref="InvalidPatchException">The patch is malformed, cannot apply, touches id/rev, or the result is not an object.</exception>
    /// <exception cref="PatchTestFailedException">A <c>test</c> operation failed.</exception>
    public static JsonObject Apply(JsonObject content, JsonNode patch, string database, string id) => throw new NotImplementedException();
}
