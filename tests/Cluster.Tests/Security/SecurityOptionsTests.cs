using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MyNoSql.Cluster.Tests.Support;
using MyNoSql.Silo.Configuration;
using MyNoSql.Silo.Security;

namespace MyNoSql.Cluster.Tests.Security;

/// <summary>The gateway's security settings in process: key file rules, the loopback rule, reloads, certificates.</summary>
public sealed class SecurityOptionsTests
{
    private const string Key = "0123456789abcdef-key";

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.0.0.2", true)]
    [InlineData("::1", true)]
    [InlineData("localhost", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("*", false)]
    [InlineData("10.0.0.5", false)]
    public void Authentication_may_be_off_only_on_a_loopback_address(string host, bool allowedWithoutKeys)
    {
        var o = new MirrorOptions { HttpHost = host };
        var errors = MirrorOptionsValidator.Validate(o);
        Assert.Equal(allowedWithoutKeys, !errors.Any(e => e.Contains("no --api-keys-file", StringComparison.Ordinal)));
        Assert.Equal(allowedWithoutKeys ? 0 : 1000, new MirrorOptions { HttpHost = host, ApiKeysFile = allowedWithoutKeys ? null : "k" }.EffectiveRateLimit);
    }

    [Fact]
    public void Security_options_map_from_the_command_line_and_tls_makes_the_advertised_url_https()
    {
        var settings = CommandLine.Parse(["--api-keys-file", "/k.json", "--tls-cert", "/c.pem", "--tls-key", "/k.pem",
            "--rate-limit", "50", "--rate-limit-burst", "80", "--max-connections", "100"], out var error, out _);
        Assert.Null(error);
        Assert.Equal("/k.json", settings!["Mirror:ApiKeysFile"]);
        Assert.Equal("/c.pem", settings["Mirror:TlsCert"]);
        Assert.Equal("50", settings["Mirror:RateLimit"]);
        Assert.Equal("https://127.0.0.1:8800", new MirrorOptions { TlsCert = "/c.pem" }.EffectiveAdvertiseUrl());
        Assert.Equal(0, new MirrorOptions().EffectiveRateLimit); // loopback without keys: no limit by default
        Assert.Contains(MirrorOptionsValidator.Validate(new MirrorOptions { TlsKey = "/k.pem" }), e => e.Contains("--tls-key needs --tls-cert", StringComparison.Ordinal));
        Assert.Contains(MirrorOptionsValidator.Validate(new MirrorOptions { RateLimit = -1 }), e => e.Contains("--rate-limit must be", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("[]", "must be a JSON object with a \"keys\" array")]
    [InlineData("{\"keys\":[{\"name\":\"a\",\"databases\":[\"*\"],\"rights\":\"read\"}]}", "give \"keyHash\" (recommended) or \"key\"")]
    [InlineData("{\"keys\":[{\"name\":\"a\",\"key\":\"" + Key + "\",\"databases\":[\"Bad\"],\"rights\":\"read\"}]}", "'Bad' is not a database name")]
    [InlineData("{\"keys\":[{\"name\":\"a\",\"key\":\"" + Key + "\",\"databases\":[],\"rights\":\"read\"}]}", "must list at least one database")]
    [InlineData("{\"keys\":[{\"name\":\"a\",\"key\":\"" + Key + "\",\"databases\":[\"*\"],\"rights\":\"owner\"}]}", "\"rights\" must be \"read\", \"write\" or \"admin\"")]
    [InlineData("{\"keys\":[{\"name\":\"a\",\"key\":\"" + Key + "\",\"databases\":[\"*\"],\"rights\":\"read\",\"expires\":\"soon\"}]}", "\"expires\" must be an ISO 8601 time")]
    [InlineData("{\"keys\":[{\"name\":\"a\",\"keyHash\":\"sha256:abc\",\"databases\":[\"*\"],\"rights\":\"read\"}]}", "64 hex digits")]
    [InlineData("{\"keys\":[{\"name\":\"a\",\"key\":\"" + Key + "\",\"databases\":[\"*\"],\"rights\":\"read\"},{\"name\":\"a\",\"key\":\"" + Key + "x\",\"databases\":[\"*\"],\"rights\":\"read\"}]}", "the name 'a' is used twice")]
    [InlineData("{\"keys\":[{\"name\":\"a\",\"key\":\"" + Key + "\",\"databases\":[\"*\"],\"rights\":\"read\"},{\"name\":\"b\",\"key\":\"" + Key + "\",\"databases\":[\"*\"],\"rights\":\"read\"}]}", "the same key is listed twice")]
    public void A_bad_key_file_is_refused_naming_the_file_and_entry_but_never_the_key(string json, string message)
    {
        var e = Assert.Throws<FormatException>(() => ApiKeyFile.Parse(Encoding.UTF8.GetBytes(json), "/etc/keys.json"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains("'/etc/keys.json'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_are_found_by_hash_and_a_changed_file_replaces_them_while_a_broken_one_keeps_the_last_good()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "keys.json");
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Key)));
        File.WriteAllText(path, $$"""{"keys":[{"name":"k1","keyHash":"sha256:{{hash}}","databases":["db1"],"rights":"write","expires":"2099-01-01T00:00:00Z"}]}""");
        var store = new ApiKeyStore(path, NullLogger.Instance, TimeProvider.System);
        var found = store.Find(Key);
        Assert.Equal(("k1", AccessRight.Write, true, false), (found!.Name, found.Right, found.AllowsDatabase("db1"), found.AllowsDatabase("db2")));
        Assert.False(found.IsExpired(DateTimeOffset.UtcNow));
        Assert.Null(store.Find(Key + "x"));

        File.WriteAllText(path, """{"keys":[{"name":"k2","key":"another-key-of-16+","databases":["*"],"rights":"read"}]}""");
        store.Refresh(force: true);
        Assert.Null(store.Find(Key)); // revoked without a restart
        Assert.Equal("k2", store.Find("another-key-of-16+")!.Name);

        File.WriteAllText(path, "{ not json");
        store.Refresh(force: true);
        Assert.Equal("k2", store.Find("another-key-of-16+")!.Name);
    }

    [Fact]
    public void A_pkcs12_certificate_with_a_password_and_a_pem_pair_both_load_and_a_wrong_password_names_the_file()
    {
        using var dir = new TempDirectory();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=pfx test", key, HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        string pfx = Path.Combine(dir.Path, "m.pfx");
        File.WriteAllBytes(pfx, cert.Export(X509ContentType.Pfx, "s3cret"));
        using (var loaded = TlsCertificateStore.Load(pfx, null, "s3cret")) Assert.True(loaded.HasPrivateKey);
        var wrong = Assert.Throws<FormatException>(() => TlsCertificateStore.Load(pfx, null, "nope"));
        Assert.Contains($"'{pfx}'", wrong.Message, StringComparison.Ordinal);

        string crt = Path.Combine(dir.Path, "m.crt"), keyPem = Path.Combine(dir.Path, "m.key");
        File.WriteAllText(crt, cert.ExportCertificatePem());
        File.WriteAllText(keyPem, key.ExportPkcs8PrivateKeyPem());
        using (var pem = TlsCertificateStore.Load(crt, keyPem, null)) Assert.True(pem.HasPrivateKey);
        var noKey = Assert.Throws<FormatException>(() => TlsCertificateStore.Load(crt, null, null));
        Assert.Contains($"'{crt}'", noKey.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_api_key_is_random_and_its_entry_holds_only_the_hash()
    {
        string text = ApiKeyGenerator.Describe("fleet");
        string key = text.Split('\n')[1].Trim();
        Assert.True(key.Length >= 40 && ApiKeyFile.IsTokenText(key));
        string entryLine = text.Split('\n')[3];
        Assert.DoesNotContain(key, entryLine, StringComparison.Ordinal);
        var parsed = ApiKeyFile.Parse(Encoding.UTF8.GetBytes($"{{\"keys\":[{entryLine.Trim()}]}}"), "x");
        Assert.Equal(ApiKeyFile.Hash(key), parsed[0].Hash);
        Assert.NotEqual(key, ApiKeyGenerator.Describe("fleet").Split('\n')[1].Trim());
    }
}
