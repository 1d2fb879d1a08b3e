using System.Text;
using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// A dotted field path of a Mango selector, sort or index (<c>a.b.c</c>; <c>\.</c> is a dot inside a name and
/// <c>\\</c> a backslash). Reaching into arrays by position is not part of a path: <c>a.0</c> names a property "0".
/// </summary>
internal sealed class FieldPath : IEquatable<FieldPath>
{
    private FieldPath(string text, string[] segments)
    {
        Text = text;
        Segments = segments;
    }

    /// <summary>The path as written.</summary>
    public string Text { get; }

    /// <summary>The property names from the top.</summary>
    public IReadOnlyList<string> Segments { get; }

    /// <summary>Parses a dotted path.</summary>
    /// <exception cref="ArgumentException">Empty, an empty segment (<c>a..b</c>, a leading or trailing dot) or a dangling escape.</exception>
    public static FieldPath Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) throw new ArgumentException("A field path must not be empty.", nameof(text));
        var segments = new List<string>();
        var current = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\')
            {
                if (i + 1 >= text.Length || (text[i + 1] != '.' && text[i + 1] != '\\'))
                    throw new ArgumentException($"Field path '{text}': '\\' must be followed by '.' or '\\'.", nameof(text));
                current.Append(text[++i]);
            }
            else if (c == '.')
            {
                if (current.Length == 0) throw new ArgumentException($"Field path '{text}' has an empty segment.", nameof(text));
                segments.Add(current.ToString());
                current.Clear();
            }
            else current.Append(c);
        }
        if (current.Length == 0) throw new ArgumentException($"Field path '{text}' has an empty segment.", nameof(text));
        segments.Add(current.ToString());
        return new FieldPath(text, [.. segments]);
    }

    /// <summary>
    /// The value at this path in <paramref name="document"/>: false when a segment is missing or an intermediate value
    /// is not an object. A present JSON <c>null</c> is found (true) with a null <paramref name="value"/>.
    /// </summary>
    public bool TryGet(JsonObject document, out JsonNode? value)
    {
        JsonNode? node = document;
        foreach (var segment in Segments)
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(segment, out node))
            {
                value = null;
                return false;
            }
        }
        value = node;
        return true;
    }

    public bool Equals(FieldPath? other) => other is not null && Segments.SequenceEqual(other.Segments, StringComparer.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as FieldPath);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var s in Segments) hash.Add(s, StringComparer.Ordinal);
        return hash.ToHashCode();
    }

    public override string ToString() => Text;
}
