using System.Security.Cryptography;

namespace MyNoSql.Silo.Configuration;

/// <summary>A silo name that stays the same for a data directory across restarts (stored in <c>silo-name</c>).</summary>
internal static class SiloIdentity
{
    private const string FileName = "silo-name";

    public static string LoadOrCreate(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        string path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            string existing = File.ReadAllText(path).Trim();
            if (existing.Length is > 0 and <= 100 && existing.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return existing;
        }
        string name = "mirror-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        string temp = path + ".tmp";
        File.WriteAllText(temp, name);
        File.Move(temp, path, overwrite: true);
        return name;
    }
}
