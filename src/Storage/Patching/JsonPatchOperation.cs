using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Patching;

/// <summary>One parsed RFC 6902 operation: its name, target, source (move/copy) and value (add/replace/test).</summary>
/// <param name="Index">Its position in the patch, for errors.</param>
/// <param name="Op">add, remove, replace, move, copy or test.</param>
/// <param name="Path">The target location.</param>
/// <param name="From">The source location of move and copy.</param>
/// <param name="Value">The value of add, replace and test (null for a JSON null; the patch's own node, never stored as is).</param>
internal readonly record struct JsonPatchOperation(int Index, string Op, JsonPointer Path, JsonPointer From, JsonNode? Value)
{
    /// <summary>Keys the record's content never holds: the record's id and revision travel beside it.</summary>
    public static bool IsReserved(string key) => key is "id" or "rev";

    /// <summary>Reads operation <paramref name="index"/> of a patch: an object with a known <c>op</c>, a valid <c>path</c>,
    /// and the <c>from</c> or <c>value</c> member its op needs (other members are ignored, as RFC 6902 says).</summary>
    /// <exception cref="InvalidPatchException">Not such an object, or it names <c>id</c>/<c>rev</c>.</exception>
    public static JsonPatchOperation Parse(JsonNode? element, int index, string database, string id)
    {
        string where = $"Database '{database}', record '{id}': JSON Patch operation {index}";
        if (element is not JsonObject operation)
            throw new InvalidPatchException($"{where} must be a JSON object, not {JsonPointer.Kind(element)}; nothing was written.");
        string op = RequiredString(operation, "op", where);
        if (op is not ("add" or "remove" or "replace" or "move" or "copy" or "test"))
            throw new InvalidPatchException($"{where} has the unknown op '{op}' (add, remove, replace, move, copy or test); nothing was written.");
        string pathText = RequiredString(operation, "path", where);
        where = $"{where} ({op} at '{pathText}')";
        var path = Pointer(pathText, "path", where);
        var from = default(JsonPointer);
        if (op is "move" or "copy")
            from = Pointer(RequiredString(operation, "from", where), "from", where);
        JsonNode? value = null;
        if (op is ("add" or "replace" or "test") && !operation.TryGetPropertyValue("value", out value))
            throw new InvalidPatchException($"{where} lacks the member 'value'; nothing was written.");
        return new JsonPatchOperation(index, op, path, from, value);
    }

    /// <summary>The error for this operation: <paramref name="reason"/> with the database, record, index, op and path.</summary>
    public InvalidPatchException Fail(string reason, string database, string id) =>
        new($"Database '{database}', record '{id}': JSON Patch operation {Index} ({Op} at '{Path.Text}'): {reason}; nothing was written.");

    private static string RequiredString(JsonObject operation, string member, string where)
    {
        if (!operation.TryGetPropertyValue(member, out var node))
            throw new InvalidPatchException($"{where} lacks the member '{member}'; nothing was written.");
        if (node is null || !DocumentCodec.TryGetString(node, out string? text))
            throw new InvalidPatchException($"{where}: '{member}' must be a string, not {JsonPointer.Kind(node)}; nothing was written.");
        return text;
    }

    private static JsonPointer Pointer(string text, string member, string where)
    {
        if (!JsonPointer.TryParse(text, out var pointer, out string error))
            throw new InvalidPatchException($"{where}: '{member}' is not a JSON Pointer: {error}; nothing was written.");
        if (!pointer.IsRoot && IsReserved(pointer.Tokens[0]))
            throw new InvalidPatchException($"{where}: '/{pointer.Tokens[0]}' is reserved (the record's id and rev are not part of its content; the rev is given beside the patch); nothing was written.");
        return pointer;
    }
}
