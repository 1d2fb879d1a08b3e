using System.Security.Cryptography;

namespace MyNoSql.Silo.Configuration;

/// <summary>
/// Names that stay the same for a data directory across restarts: the silo name (file <c>silo-name</c>) and the
/// mirror's uuid (file <c>uuid</c>, 32 hex digits, as <c>GET /</c> reports it).
/// </summary>
internal static class SiloIdentity
{
    // The first GET / of a new mirror can come on several requests at once: one creates the file, the rest read it
    // (unserialized, they raced on the same temp file — a 500 seen in the gateway fuzz test — and could answer two uuids).
    private static readonly Lock Gate = new();

    public static string LoadOrCreate(string dataDirectory) =>
        LoadOrCreate(dataDirectory, "silo-name", () => "mirror-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5)),
            s => s.Length is > 0 and <= 100 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));

    public static string Uuid(string dataDirectory) =>
        LoadOrCreate(dataDirectory, "uuid", () => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            s => s.Length == 32 && s.All(char.IsAsciiHexDigitLower));

    private static string LoadOrCreate(string dataDirectory, string fileName, Func<string> create, Func<string, bool> valid)
    {
        lock (Gate) return LoadOrCreateLocked(dataDirectory, fileName, create, valid);
    }

    private static string LoadOrCreateLocked(string dataDirectory, string fileName, Func<string> create, Func<string, bool> valid)
    {
        Directory.CreateDirectory(dataDirectory);
        string path = Path.Combine(dataDirectory, fileName);
        if (File.Exists(path))
        {
            string existing = File.ReadAllText(path).Trim();
            if (valid(existing)) return existing;
        }
        string value = create();
        string temp = path + ".tmp";
        File.WriteAllText(temp, value);
        File.Move(temp, path, overwrite: true);
        return value;
    }
}
