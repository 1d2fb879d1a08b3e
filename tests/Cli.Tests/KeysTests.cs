using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace MyNoSql.Cli.Tests;

/// <summary>keys: new (into a key file), list, check, revoke, hash — files checked by the silo's own parser.</summary>
public sealed class KeysTests : IDisposable
{
    private readonly TempDirectory _dir = new("mynosql-cli-keys-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task New_list_revoke_and_hash()
    {
        string file = Path.Combine(_dir.Path, "keys.json");
        var made = (await CliRun.RunAsync("keys", "new", "fleet", "--file", file, "--rights", "write", "--databases", "sensors,games", "--json")).Expect(0);
        string key = made.Json["key"]!.GetValue<string>();
        Assert.StartsWith("mns_", key);
        string stored = File.ReadAllText(file);
        Assert.DoesNotContain(key, stored); // only the hash is stored
        string hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        Assert.Contains(hash, stored);
        Assert.Equal(hash, (await CliRun.RunAsync("keys", "hash", key)).Expect(0).Out.Trim());

        (await CliRun.RunAsync("keys", "new", "ops", "--file", file, "--rights", "admin")).Expect(0);
        var list = (await CliRun.RunAsync("keys", "list", file, "--json")).Expect(0);
        var keys = list.Json["keys"]!.AsArray();
        Assert.Equal(["fleet", "ops"], keys.Select(k => k!["name"]!.GetValue<string>()));
        Assert.Equal("write", keys[0]!["rights"]!.GetValue<string>());
        Assert.Contains("valid, 2 key(s)", (await CliRun.RunAsync("keys", "check", file)).Expect(0).Out);

        (await CliRun.RunAsync("keys", "revoke", file, "fleet")).Expect(0);
        Assert.Single(JsonNode.Parse(File.ReadAllText(file))!["keys"]!.AsArray());
        (await CliRun.RunAsync("keys", "revoke", file, "fleet")).Expect(1);
    }

    [Fact]
    public async Task Bad_entries_and_files_exit_2_with_the_silo_s_reason()
    {
        string file = Path.Combine(_dir.Path, "keys.json");
        Assert.Contains("\"rights\"", (await CliRun.RunAsync("keys", "new", "x", "--file", file, "--rights", "root")).Expect(2).Err);
        Assert.Contains("Bad!", (await CliRun.RunAsync("keys", "new", "x", "--file", file, "--databases", "Bad!")).Expect(2).Err);
        Assert.False(File.Exists(file)); // nothing written on a refused entry
        File.WriteAllText(file, """{"keys":[{"name":"a","keyHash":"sha256:00","databases":["*"],"rights":"read"}]}""");
        var check = (await CliRun.RunAsync("keys", "check", file)).Expect(2);
        Assert.Contains("keyHash", check.Err);
        Assert.Contains(file, check.Err);
        Assert.Contains("at least", (await CliRun.RunAsync("keys", "hash", "short")).Expect(2).Err);
    }
}
