using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Patching;

/// <summary>
/// RFC 6902 JSON Patch over a copy of a record's content: the operations apply in order, and the first that cannot
/// apply throws, so the caller's content is never half patched. Every value taken from the patch is copied.
/// </summary>
internal static class JsonPatch
{
    /// <summary>The content after every operation of <paramref name="patch"/>, a new object.</summary>
    /// <exception cref="InvalidPatchException">An operation is malformed or cannot apply, or the whole document would
    /// become something other than an object without <c>id</c>/<c>rev</c>.</exception>
    /// <exception cref="PatchTestFailedException">A <c>test</c> found another value (or nothing) at its path.</exception>
    public static JsonObject Apply(JsonObject content, JsonArray patch, string database, string id)
    {
        var document = content.DeepClone().AsObject();
        for (int i = 0; i < patch.Count; i++)
        {
            var operation = JsonPatchOperation.Parse(patch[i], i, database, id);
            document = Apply(document, operation, database, id);
        }
        return document;
    }

    private static JsonObject Apply(JsonObject document, JsonPatchOperation operation, string database, string id)
    {
        switch (operation.Op)
        {
            case "add":
                return Add(document, operation.Path, operation.Value?.DeepClone(), operation, database, id);
            case "remove":
                Remove(document, operation.Path, operation, database, id);
                return document;
            case "replace":
                return Replace(document, operation, database, id);
            case "move":
                return Move(document, operation, database, id);
            case "copy":
                var source = Get(document, operation.From, "from", operation, database, id);
                return Add(document, operation.Path, source?.DeepClone(), operation, database, id);
            default:
                if (!operation.Path.TryGet(document, out var actual, out _) || !JsonEquality.Equal(actual, operation.Value))
                    throw new PatchTestFailedException(database, id, operation.Index, operation.Path.Text);
                return document;
        }
    }

    private static JsonObject Add(JsonObject document, JsonPointer path, JsonNode? value, JsonPatchOperation operation, string database, string id)
    {
        if (path.IsRoot) return NewRoot(value, operation, database, id);
        switch (Parent(document, path, operation, database, id))
        {
            case JsonObject parent:
                parent[path.Last] = value;
                break;
            case JsonArray parent:
                if (!JsonPointer.TryIndex(path.Last, parent.Count, forInsert: true, out int index, out string error))
                    throw operation.Fail(error, database, id);
                parent.Insert(index, value);
                break;
        }
        return document;
    }

    private static JsonNode? Remove(JsonObject document, JsonPointer path, JsonPatchOperation operation, string database, string id)
    {
        if (path.IsRoot) throw operation.Fail("the whole document cannot be removed", database, id);
        switch (Parent(document, path, operation, database, id))
        {
            case JsonObject parent:
                if (!parent.TryGetPropertyValue(path.Last, out var removed))
                    throw operation.Fail($"member '{path.Last}' does not exist", database, id);
                parent.Remove(path.Last);
                return removed;
            case JsonArray parent:
                if (!JsonPointer.TryIndex(path.Last, parent.Count, forInsert: false, out int index, out string error))
                    throw operation.Fail(error, database, id);
                var element = parent[index];
                parent.RemoveAt(index);
                return element;
            default:
                throw new InvalidOperationException("Parent returns a container.");
        }
    }

    private static JsonObject Replace(JsonObject document, JsonPatchOperation operation, string database, string id)
    {
        var path = operation.Path;
        var value = operation.Value?.DeepClone();
        if (path.IsRoot) return NewRoot(value, operation, database, id);
        switch (Parent(document, path, operation, database, id))
        {
            case JsonObject parent:
                if (!parent.ContainsKey(path.Last))
                    throw operation.Fail($"member '{path.Last}' does not exist", database, id);
                parent[path.Last] = value; // in place: the member keeps its position
                break;
            case JsonArray parent:
                if (!JsonPointer.TryIndex(path.Last, parent.Count, forInsert: false, out int index, out string error))
                    throw operation.Fail(error, database, id);
                parent[index] = value;
                break;
        }
        return document;
    }

    private static JsonObject Move(JsonObject document, JsonPatchOperation operation, string database, string id)
    {
        _ = Get(document, operation.From, "from", operation, database, id);
        if (operation.Path.StartsWith(operation.From))
        {
            if (operation.Path.Tokens.Count == operation.From.Tokens.Count) return document;
            throw operation.Fail($"'{operation.From.Text}' cannot be moved into itself", database, id);
        }
        var value = Remove(document, operation.From, operation, database, id);
        return Add(document, operation.Path, value, operation, database, id);
    }

    private static JsonNode? Get(JsonObject document, JsonPointer pointer, string member, JsonPatchOperation operation, string database, string id)
    {
        if (!pointer.TryGet(document, out var node, out string error))
            throw operation.Fail($"'{member}' '{pointer.Text}' does not exist: {error}", database, id);
        return node;
    }

    /// <summary>The container that holds (or will hold) the last token of <paramref name="path"/>.</summary>
    private static JsonNode Parent(JsonObject document, JsonPointer path, JsonPatchOperation operation, string database, string id)
    {
        if (!path.TryGetParent(document, out var parent, out string error))
            throw operation.Fail(error, database, id);
        if (parent is JsonObject or JsonArray) return parent;
        throw operation.Fail($"'{path.Last}' is looked up in a {JsonPointer.Kind(parent)}, which has no members", database, id);
    }

    /// <summary>The whole document replaced: it must stay a record's content, an object without id/rev.</summary>
    private static JsonObject NewRoot(JsonNode? value, JsonPatchOperation operation, string database, string id)
    {
        if (value is not JsonObject root)
            throw operation.Fail($"the document must stay a JSON object, not become {JsonPointer.Kind(value)}", database, id);
        foreach (var (key, _) in root)
        {
            if (JsonPatchOperation.IsReserved(key))
                throw operation.Fail($"the new document carries the reserved key '{key}'", database, id);
        }
        return root;
    }
}
