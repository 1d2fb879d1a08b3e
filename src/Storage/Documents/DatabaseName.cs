namespace MyNoSql.Storage.Documents;

/// <summary>Database name rules: 1–64 chars of [a-z0-9_-], starting with a letter (DESIGN §4).</summary>
public static class DatabaseName
{
    /// <summary>Longest name.</summary>
    public const int MaxLength = 64;

    /// <summary>True when <paramref name="name"/> is a valid database name.</summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || !char.IsAsciiLetterLower(name[0])) return false;
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c != '_' && c != '-') return false;
        }
        return true;
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the name is valid.</summary>
    public static void Validate(string? name, string paramName = "name")
    {
        if (!IsValid(name))
        {
            string shown = name is null ? "(null)" : name.Length > 80 ? name[..80] + "…" : name;
            throw new ArgumentException(
                $"Invalid database name '{DocumentId.Printable(shown)}': use 1–{MaxLength} characters of [a-z0-9_-], starting with a letter.", paramName);
        }
    }
}
