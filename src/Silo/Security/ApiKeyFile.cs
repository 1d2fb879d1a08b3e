using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Silo.Security;

/// <summary>
/// Reads the API key file (deploy/SECURITY.md):
/// <code>{"keys":[{"name":"fleet","keyHash":"sha256:&lt;64 hex&gt;","databases":["sensors"],"rights":"write","expires":"2027-01-01T00:00:00Z"}]}</code>
/// <c>key</c> (the plain key, at least 16 characters) may replace <c>keyHash</c>; <c>expires</c> is optional. Unknown
/// properties are errors, so a misspelt <c>expires</c> never leaves a key valid for ever.
/// </summary>
internal static class ApiKeyFile
{
    public const int MinKeyLength = 16;
    private static readonly JsonDocumentOptions ParseOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>SHA-256 of a key as stored in <c>keyHash</c>.</summary>
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The keys of <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">The file is not a valid key file; the message names the file and the entry.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IReadOnlyList<ApiKey> Load(string path) => Parse(File.ReadAllBytes(path), path);

    public static IReadOnlyList<ApiKey> Parse(byte[] json, string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, ParseOptions);
        }
        catch (JsonException e)
        {
            throw new FormatException($"API key file '{path}' is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
                throw new FormatException($"API key file '{path}' must be a JSON object with a \"keys\" array.");
            var result = new List<ApiKey>();
            int index = 0;
            foreach (var entry in keys.EnumerateArray())
            {
                var key = ParseEntry(entry, $"API key file '{path}', keys[{index}]");
                if (result.Any(k => k.Name == key.Name))
                    throw new FormatException($"API key file '{path}', keys[{index}]: the name '{key.Name}' is used twice.");
                if (result.Any(k => CryptographicOperations.FixedTimeEquals(k.Hash, key.Hash)))
                    throw new FormatException($"API key file '{path}', keys[{index}] ('{key.Name}'): the same key is listed twice.");
                result.Add(key);
                index++;
            }
            return result;
        }
    }

    private static ApiKey ParseEntry(JsonElement entry, string where)
    {
        if (entry.ValueKind != JsonValueKind.Object) throw new FormatException($"{where}: each key must be a JSON object.");
        string? name = null, key = null, keyHash = null, rights = null, expires = null;
        List<string>? databases = null;
        foreach (var p in entry.EnumerateObject())
        {
            switch (p.Name)
            {
                case "name": name = String(p, where); break;
                case "key": key = String(p, where); break;
                case "keyHash": keyHash = String(p, where); break;
                case "rights": rights = String(p, where); break;
                case "expires": expires = String(p, where); break;
                case "databases":
                    if (p.Value.ValueKind != JsonValueKind.Array || p.Value.EnumerateArray().Any(d => d.ValueKind != JsonValueKind.String))
                        throw new FormatException($"{where}: \"databases\" must be an array of database names or \"*\".");
                    databases = [.. p.Value.EnumerateArray().Select(d => d.GetString()!)];
                    break;
                default:
                    throw new FormatException($"{where}: unknown property \"{p.Name}\" (allowed: name, key or keyHash, databases, rights, expires).");
            }
        }
        if (string.IsNullOrEmpty(name) || name.Length > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new FormatException($"{where}: \"name\" must be 1–64 characters of letters, digits, '-', '_' or '.'.");
        where += $" ('{name}')";
        byte[] hash;
        if (key is not null && keyHash is not null) throw new FormatException($"{where}: give \"key\" or \"keyHash\", not both.");
        if (key is not null)
        {
            // The plain key is never echoed: a message may end up in a log.
            if (key.Length < MinKeyLength || !IsTokenText(key))
                throw new FormatException($"{where}: \"key\" must be at least {MinKeyLength} printable ASCII characters without spaces (generate one with --new-api-key).");
            hash = Hash(key);
        }
        else if (keyHash is not null)
        {
            string hex = keyHash.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) ? keyHash[7..] : keyHash;
            if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
                throw new FormatException($"{where}: \"keyHash\" must be \"sha256:\" and 64 hex digits (the SHA-256 of the key's UTF-8 bytes).");
            hash = Convert.FromHexString(hex);
        }
        else throw new FormatException($"{where}: give \"keyHash\" (recommended) or \"key\".");
        if (databases is null || databases.Count == 0)
            throw new FormatException($"{where}: \"databases\" must list at least one database name, or \"*\" for all.");
        foreach (var db in databases)
        {
            if (db != "*" && !DatabaseName.IsValid(db))
                throw new FormatException($"{where}: '{db}' is not a database name (1–{DatabaseName.MaxLength} of [a-z0-9_-], starting with a letter) nor \"*\".");
        }
        var right = rights switch
        {
            "read" => AccessRight.Read,
            "write" => AccessRight.Write,
            "admin" => AccessRight.Admin,
            _ => throw new FormatException($"{where}: \"rights\" must be \"read\", \"write\" or \"admin\" (got {(rights is null ? "nothing" : $"'{rights}'")})."),
        };
        DateTimeOffset? expiry = null;
        if (expires is not null)
        {
            if (!DateTimeOffset.TryParse(expires, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var e))
                throw new FormatException($"{where}: \"expires\" must be an ISO 8601 time such as 2027-01-31T00:00:00Z (got '{expires}').");
            expiry = e;
        }
        return new ApiKey(name, hash, databases, right, expiry);
    }

    /// <summary>Characters a key may hold: what fits in an HTTP header unquoted.</summary>
    public static bool IsTokenText(string s) => s.Length > 0 && s.All(c => c is > ' ' and < '\u007f');

    private static string String(JsonProperty p, string where) =>
        p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw new FormatException($"{where}: \"{p.Name}\" must be a string.");
}
