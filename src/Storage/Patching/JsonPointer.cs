using System.Globalization;
using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Patching;

/// <summary>
/// An RFC 6901 JSON Pointer over <see cref="JsonNode"/> trees: <c>""</c> is the whole document, otherwise each
/// <c>/</c>-separated token names an object member (<c>~1</c> stands for <c>/</c>, <c>~0</c> for <c>~</c>) or an array
/// index (<c>0</c> or a decimal without leading zeros; <c>-</c> is the position after the last element).
/// </summary>
internal readonly struct JsonPointer
{
    private readonly string[] _tokens;

    private JsonPointer(string text, string[] tokens)
    {
        Text = text;
        _tokens = tokens;
    }

    /// <summary>The pointer as written.</summary>
    public string Text { get; }

    /// <summary>The unescaped reference tokens.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>True for <c>""</c>, the whole document.</summary>
    public bool IsRoot => _tokens.Length == 0;

    /// <summary>The last token (not <see cref="IsRoot"/>).</summary>
    public string Last => _tokens[^1];

    /// <summary>Parses <paramref name="text"/>; false with the reason when it is not an RFC 6901 pointer.</summary>
    public static bool TryParse(string text, out JsonPointer pointer, out string error)
    {
        pointer = default;
        error = "";
        if (text.Length == 0)
        {
            pointer = new JsonPointer(text, []);
            return true;
        }
        if (text[0] != '/')
        {
            error = "a JSON Pointer must be empty or start with '/'";
            return false;
        }
        var raw = text[1..].Split('/');
        var tokens = new string[raw.Length];
        for (int i = 0; i < raw.Length; i++)
        {
            if (!TryUnescape(raw[i], out tokens[i]))
            {
                error = $"'~' must be followed by '0' or '1' (token '{raw[i]}')";
                return false;
            }
        }
        pointer = new JsonPointer(text, tokens);
        return true;
    }

    /// <summary>True when this pointer is <paramref name="other"/> or lies inside it (<paramref name="other"/> is a prefix).</summary>
    public bool StartsWith(JsonPointer other) =>
        other._tokens.Length <= _tokens.Length && other._tokens.AsSpan().SequenceEqual(_tokens.AsSpan(0, other._tokens.Length));

    /// <summary>The node this pointer's parent names; false with the reason when some container on the way is missing.</summary>
    public bool TryGetParent(JsonNode? root, out JsonNode? parent, out string error) => TryWalk(root, _tokens.Length - 1, out parent, out error);

    /// <summary>The node this pointer names (null for a JSON null); false with the reason when it does not exist.</summary>
    public bool TryGet(JsonNode? root, out JsonNode? node, out string error) => TryWalk(root, _tokens.Length, out node, out error);

    /// <summary>An existing array element's index: <paramref name="token"/> is a valid index below <paramref name="count"/>
    /// (or up to and including it when <paramref name="forInsert"/>, where <c>-</c> also means <paramref name="count"/>).</summary>
    public static bool TryIndex(string token, int count, bool forInsert, out int index, out string error)
    {
        index = -1;
        error = "";
        if (token == "-")
        {
            if (forInsert)
            {
                index = count;
                return true;
            }
            error = "'-' (past the last element) names no existing element";
            return false;
        }
        bool wellFormed = token.Length > 0 && token.All(char.IsAsciiDigit) && (token.Length == 1 || token[0] != '0');
        if (!wellFormed)
        {
            error = $"'{token}' is not an array index";
            return false;
        }
        int limit = forInsert ? count : count - 1;
        if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out index) || index > limit)
        {
            error = $"index {token} is out of range (the array has {count} element{(count == 1 ? "" : "s")})";
            index = -1;
            return false;
        }
        return true;
    }

    private bool TryWalk(JsonNode? root, int depth, out JsonNode? node, out string error)
    {
        node = root;
        error = "";
        for (int i = 0; i < depth; i++)
        {
            string token = _tokens[i];
            switch (node)
            {
                case JsonObject o:
                    if (!o.TryGetPropertyValue(token, out node))
                    {
                        error = $"member '{token}' does not exist";
                        return false;
                    }
                    break;
                case JsonArray a:
                    if (!TryIndex(token, a.Count, forInsert: false, out int index, out error)) return false;
                    node = a[index];
                    break;
                default:
                    error = $"'{token}' is looked up in a {Kind(node)}, which has no members";
                    return false;
            }
        }
        return true;
    }

    /// <summary>The JSON kind of a node in lower case, for messages.</summary>
    public static string Kind(JsonNode? node) => node is null ? "null" : node.GetValueKind().ToString().ToLowerInvariant();

    private static bool TryUnescape(string token, out string unescaped)
    {
        unescaped = token;
        int tilde = token.IndexOf('~', StringComparison.Ordinal);
        if (tilde < 0) return true;
        var builder = new System.Text.StringBuilder(token.Length);
        for (int i = 0; i < token.Length; i++)
        {
            char c = token[i];
            if (c != '~')
            {
                builder.Append(c);
                continue;
            }
            if (i + 1 >= token.Length) return false;
            char next = token[++i];
            if (next == '0') builder.Append('~');
            else if (next == '1') builder.Append('/');
            else return false;
        }
        unescaped = builder.ToString();
        return true;
    }
}
