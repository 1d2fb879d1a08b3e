namespace MyNoSql.Grains;

/// <summary>
/// Grain keys: <c>"{db}/{id}"</c> for records and <c>"{db}/{segment}"</c> for index segments (segments 0 to
/// <c>MyNoSql.Storage.Sync.SyncCheckpoint.Segments</c> − 1, the one definition of the count).
/// </summary>
public static class RecordKey
{
    /// <summary>The record grain key of <paramref name="id"/> in <paramref name="database"/>.</summary>
    public static string For(string database, string id) => string.Concat(database, "/", id);

    /// <summary>The index segment grain key.</summary>
    public static string Segment(string database, int segment) =>
        string.Concat(database, "/", segment.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Splits a key at the first '/': database names never contain one, ids may.</summary>
    public static (string Database, string Remainder) Split(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        int slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0) throw new ArgumentException($"'{key}' is not a '{{db}}/{{rest}}' key.", nameof(key));
        return (key[..slash], key[(slash + 1)..]);
    }
}
