namespace MyNoSql.Silo.Security;

/// <summary>One entry of the API key file. Only the SHA-256 of the key is held in memory.</summary>
/// <param name="Name">Names the key in logs and error messages (the key itself is never shown).</param>
/// <param name="Hash">SHA-256 of the key's UTF-8 bytes.</param>
/// <param name="Databases">Database names the key applies to; <c>*</c> for every database.</param>
/// <param name="Right">What the key may do there.</param>
/// <param name="Expires">When the key stops working, or null.</param>
internal sealed record ApiKey(string Name, byte[] Hash, IReadOnlyList<string> Databases, AccessRight Right, DateTimeOffset? Expires)
{
    public bool AllowsDatabase(string db) =>
        Databases.Any(d => d == "*" || string.Equals(d, db, StringComparison.Ordinal));

    public bool IsExpired(DateTimeOffset now) => Expires is DateTimeOffset e && now >= e;
}
