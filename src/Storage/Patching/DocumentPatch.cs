using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Patching;

/// <summary>
/// Applies patches to a record's content (DESIGN §8): a <see cref="JsonObject"/> is an RFC 7396 merge patch, a
/// <see cref="JsonArray"/> an RFC 6902 JSON Patch (add, remove, replace, move, copy, test). The content never holds
/// <c>id</c>/<c>rev</c>; a patch that would set or remove them is refused. Pure: the input is not modified.
/// </summary>
/// <remarks>
/// Our own code rather than Microsoft.AspNetCore.JsonPatch.SystemTextJson: that package brings the ASP.NET Core shared
/// framework into whatever references it, patches its target in place (a failing operation leaves the earlier ones
/// applied), reports a failed <c>test</c> with the same exception type as a malformed patch, and accepts what RFC 6902
/// refuses (unknown ops, <c>add</c> without <c>value</c>, indexes with leading zeros).
/// </remarks>
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
    /// <remarks>A JSON Patch <c>test</c> whose path names nothing fails like one that finds another value (422, not
    /// 400): the document is not what the client expected. Nesting deeper than <see cref="DocumentCodec.MaxDepth"/>, in
    /// the patch or the result, is refused.</remarks>
    /// <exception cref="InvalidPatchException">The patch is malformed, cannot apply, touches id/rev, or the result is not an object.</exception>
    /// <exception cref="PatchTestFailedException">A <c>test</c> operation failed.</exception>
    public static JsonObject Apply(JsonObject content, JsonNode patch, string database, string id)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(patch);
        string where = $"Database '{database}', record '{id}'";
        // The values of a JSON Patch sit two levels below its root (array, operation object).
        CheckDepth(patch, patch is JsonArray ? DocumentCodec.MaxDepth + 2 : DocumentCodec.MaxDepth, where);
        JsonObject result;
        switch (patch)
        {
            case JsonObject merge:
                foreach (var (key, _) in merge)
                {
                    if (JsonPatchOperation.IsReserved(key))
                        throw new InvalidPatchException($"{where}: the merge patch names the reserved key '{key}' (the record's id and rev are not part of its content; the rev is given beside the patch); nothing was written.");
                }
                result = content.DeepClone().AsObject();
                MergePatch.ApplyTo(result, merge);
                break;
            case JsonArray operations:
                result = JsonPatch.Apply(content, operations, database, id);
                break;
            default:
                throw new InvalidPatchException($"{where}: a patch must be a JSON object (RFC 7396 merge patch) or array (RFC 6902 JSON Patch), not {JsonPointer.Kind(patch)}; nothing was written.");
        }
        if (Deeper(result, DocumentCodec.MaxDepth))
            throw new InvalidPatchException($"{where}: the patched record would nest deeper than {DocumentCodec.MaxDepth} levels; nothing was written.");
        return result;
    }

    /// <summary>Walks the whole patch once (bounded), so bad nesting or duplicate keys surface here as a bad patch.</summary>
    private static void CheckDepth(JsonNode patch, int limit, string where)
    {
        bool deeper;
        try
        {
            deeper = Deeper(patch, limit);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or JsonException)
        {
            throw new InvalidPatchException($"{where}: the patch is not valid JSON: {e.Message}; nothing was written.");
        }
        if (deeper)
            throw new InvalidPatchException($"{where}: the patch nests deeper than {limit} levels; nothing was written.");
    }

    /// <summary>True when objects and arrays nest more than <paramref name="limit"/> levels (the root container is
    /// level 1). Recursion stops at the limit.</summary>
    private static bool Deeper(JsonNode? node, int limit)
    {
        switch (node)
        {
            case JsonObject o:
                if (limit == 0) return true;
                foreach (var (_, child) in o)
                {
                    if (Deeper(child, limit - 1)) return true;
                }
                return false;
            case JsonArray a:
                if (limit == 0) return true;
                foreach (var child in a)
                {
                    if (Deeper(child, limit - 1)) return true;
                }
                return false;
            default:
                return false;
        }
    }
}
