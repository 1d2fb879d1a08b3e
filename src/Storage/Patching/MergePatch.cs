using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Patching;

/// <summary>
/// RFC 7396 JSON Merge Patch: each member of the patch object replaces the target's member, except that <c>null</c>
/// removes it and an object is merged recursively into the target's member (an object, or a new one when the member is
/// missing or not an object). Any other patch value, arrays included, replaces the target wholesale.
/// </summary>
internal static class MergePatch
{
    /// <summary>Merges <paramref name="patch"/> into <paramref name="target"/> in place; values are copied from the patch,
    /// which is left as it was.</summary>
    public static void ApplyTo(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch)
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else if (value is JsonObject nested)
            {
                if (!target.TryGetPropertyValue(name, out var existing) || existing is not JsonObject inner)
                {
                    inner = new JsonObject();
                    target[name] = inner;
                }
                ApplyTo(inner, nested);
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }
    }
}
