using System.Text;
using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// A dotted field path of a Mango selector, sort, projection or index (<c>a.b.c</c>; <c>\.</c> is a dot inside a name
/// and <c>\\</c> a backslash). As in CouchDB's <c>mango_doc:get_field</c>, a segment of decimal digits is a position
/// when the value it is applied to is an array (<c>nums.0</c> is the first element of <c>nums</c>) and a property name
/// when it is an object (<c>{"nums":{"0":...}}</c>).
/// </summary>
internal sealed class FieldPath : IEquatable<FieldPath>
{
    private readonly string[] _segments;
    private readonly int[] _positions; // per segment: the array position it names, or -1 when it is not all digits

    private FieldPath(string text, string[] segments)
    {
        Text = text;
        _segments = segments;
        _positions = Array.ConvertAll(segments, ArrayPosition);
    }

    /// <summary>The path as written.</summary>
    public string Text { get; }

    /// <summary>The property names from the top.</summary>
    public IReadOnlyList<string> Segments => _segments;

    /// <summary>Whether some segment can index into an array (it is all digits).</summary>
    public bool HasPositions => Array.Exists(_positions, p => p >= 0);

    /// <summary>The array position segment <paramref name="segment"/> names (-1: none; it only names properties).</summary>
    public int Position(int segment) => _positions[segment];

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
    /// The value at this path in <paramref name="context"/> (a document, or an array element inside <c>$elemMatch</c>):
    /// false when a segment is missing, a position is out of range, or an intermediate value is neither an object nor
    /// (for a digits segment) an array. A present JSON <c>null</c> is found (true) with a null <paramref name="value"/>.
    /// </summary>
    public bool TryGet(JsonNode? context, out JsonNode? value)
    {
        JsonNode? node = context;
        for (int i = 0; i < _segments.Length; i++) // indexing: no enumerator on the matcher's hot path
        {
            if (node is JsonObject obj)
            {
                if (obj.TryGetPropertyValue(_segments[i], out node)) continue;
            }
            else if (node is JsonArray array && _positions[i] >= 0 && _positions[i] < array.Count)
            {
                node = array[_positions[i]];
                continue;
            }
            value = null;
            return false;
        }
        value = node;
        return true;
    }

    // CouchDB tries binary_to_integer on the segment when the value is an array; we take plain digits (no sign).
    private static int ArrayPosition(string segment) =>
        segment.Length > 0 && segment.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0
        && int.TryParse(segment, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int position)
            ? position : -1;

    public bool Equals(FieldPath? other) => other is not null && _segments.AsSpan().SequenceEqual(other._segments);

    public override bool Equals(object? obj) => Equals(obj as FieldPath);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var s in _segments) hash.Add(s, StringComparer.Ordinal);
        return hash.ToHashCode();
    }

    public override string ToString() => Text;
}
