using System.Text;

namespace MyNoSql.Grains;

/// <summary>
/// Lock names (DESIGN §9): 1–255 UTF-8 bytes of valid Unicode without control characters; slashes are allowed
/// (<c>orders/42</c>). A lock is one per database and name: its grain key is <c>"{db}/{name}"</c>.
/// </summary>
public static class LockName
{
    /// <summary>The longest name in UTF-8 bytes.</summary>
    public const int MaxBytes = 255;

    private static readonly UTF8Encoding Strict = new(false, true);

    /// <summary>Why <paramref name="name"/> is not a valid lock name, or null when it is.</summary>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "a lock name must not be empty";
        int bytes;
        try
        {
            bytes = Strict.GetByteCount(name);
        }
        catch (EncoderFallbackException)
        {
            return "a lock name must be valid Unicode (no lone surrogates)";
        }
        if (bytes > MaxBytes) return $"a lock name is at most {MaxBytes} UTF-8 bytes (got {bytes})";
        foreach (char c in name)
        {
            if (char.IsControl(c)) return $"a lock name must not contain control characters (U+{(int)c:X4})";
        }
        return null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="name"/> is a valid lock name.</summary>
    public static void Validate(string? name, string parameter = "name")
    {
        if (Problem(name) is { } problem) throw new ArgumentException($"Invalid lock name: {problem}.", parameter);
    }

    /// <summary>The lock grain key of <paramref name="name"/> in <paramref name="database"/>.</summary>
    public static string Key(string database, string name) => string.Concat(database, "/", name);
}
