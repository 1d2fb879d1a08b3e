using System.Security.Cryptography;

namespace MyNoSql.Silo.Security;

/// <summary><c>--new-api-key NAME</c>: a random 256-bit key and the key-file entry that stores only its hash.</summary>
internal static class ApiKeyGenerator
{
    public static string NewKey() => "mns_" + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string Describe(string name)
    {
        string key = NewKey();
        string hash = Convert.ToHexStringLower(ApiKeyFile.Hash(key));
        return $$"""
            API key (give it to the client, e.g. MyNoSqlOptions.ApiKey; it is not stored anywhere):
              {{key}}
            Entry for the --api-keys-file "keys" array (set "databases" and "rights"):
              { "name": "{{name}}", "keyHash": "sha256:{{hash}}", "databases": ["*"], "rights": "read" }
            """;
    }
}
