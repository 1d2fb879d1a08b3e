using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>The <c>fields</c> projection: <c>id</c> and <c>rev</c> always, then each listed path (nested paths build nested objects; missing ones are left out).</summary>
internal static class Projection
{
    /// <summary>The projected copy of <paramref name="document"/>, or the document itself when <paramref name="fields"/> is null.</summary>
    public static JsonObject Apply(JsonObject document, IReadOnlyList<FieldPath>? fields)
    {
        if (fields is null) return document;
        var result = new JsonObject();
        Copy(document, result, "id");
        Copy(document, result, "rev");
        foreach (var field in fields)
        {
            if (!field.TryGet(document, out var value)) continue;
            var segments = field.Segments;
            JsonObject target = result;
            for (int i = 0; i < segments.Count - 1; i++)
            {
                if (!target.TryGetPropertyValue(segments[i], out var next))
                {
                    next = new JsonObject();
                    target[segments[i]] = next;
                }
                if (next is not JsonObject nested) goto skip; // an earlier field already copied a non-object here
                target = nested;
            }
            target[segments[^1]] = value?.DeepClone();
        skip:;
        }
        return result;
    }

    private static void Copy(JsonObject document, JsonObject result, string key)
    {
        if (document.TryGetPropertyValue(key, out var value)) result[key] = value?.DeepClone();
    }
}
