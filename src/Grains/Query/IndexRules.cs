using MyNoSql.Storage.Query;

namespace MyNoSql.Grains.Query;

/// <summary>
/// What a cluster-wide index definition must look like before the catalog takes it: a name of 1–64 characters of
/// <c>[A-Za-z0-9_.-]</c> starting with a letter or a digit (it names files on every mirror), and 1–16 distinct
/// dotted field paths (<see cref="FieldPath"/>).
/// </summary>
internal static class IndexRules
{
    public const int MaxNameLength = 64;
    public const int MaxFields = 16;

    /// <summary>The first problem with <paramref name="index"/>, naming the part that is wrong; null when it is valid.</summary>
    public static string? Problem(IndexSpec index)
    {
        ArgumentNullException.ThrowIfNull(index);
        string name = index.Name ?? "";
        if (name.Length is 0 or > MaxNameLength)
            return $"name: an index name has 1–{MaxNameLength} characters (got {name.Length}).";
        if (!char.IsAsciiLetterOrDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            return $"name: '{Shorten(name)}' must use [A-Za-z0-9_.-] and start with a letter or a digit.";
        var fields = index.Fields ?? [];
        if (fields.Length is 0 or > MaxFields)
            return $"fields: an index has 1–{MaxFields} fields (got {fields.Length}).";
        var seen = new HashSet<FieldPath>();
        for (int i = 0; i < fields.Length; i++)
        {
            FieldPath path;
            try
            {
                path = FieldPath.Parse(fields[i] ?? "");
            }
            catch (ArgumentException e)
            {
                return $"fields[{i}]: {e.Message}";
            }
            if (!seen.Add(path)) return $"fields[{i}]: '{Shorten(fields[i])}' is listed twice.";
        }
        return null;
    }

    /// <summary>The storage engine's form of <paramref name="index"/>.</summary>
    public static IndexDefinition ToDefinition(IndexSpec index) => new(index.Name, index.Fields);

    /// <summary>Same name and the same fields in the same order.</summary>
    public static bool Same(IndexSpec a, IndexSpec b) => a.Name == b.Name && a.Fields.SequenceEqual(b.Fields, StringComparer.Ordinal);

    private static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 80), "…");
}
