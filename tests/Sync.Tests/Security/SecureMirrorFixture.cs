using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Security.Cryptography;

namespace MyNoSql.Sync.Tests.Security;

/// <summary>
/// One real mirror with API keys and TLS (a certificate the test makes): <c>--api-keys-file</c>, <c>--tls-cert</c>,
/// <c>--tls-key</c>, and a 64 KiB document limit. Tests rewrite the key file to revoke and restore keys.
/// </summary>
public sealed class SecureMirrorFixture : IAsyncLifetime
{
    public const int MaxDocumentSize = 64 * 1024;

    // Plain keys of the test; the key file stores some of them only as hashes.
    public static readonly string Reader = "rd_" + Random(), Writer = "wr_" + Random(), Admin = "ad_" + Random(),
        OtherDb = "ot_" + Random(), Expired = "ex_" + Random(), Syncer = "sy_" + Random(), Bogus = "bg_" + Random();

    private readonly TempDirectory _dir = new("mynosql-secure-mirror-");

    public SiloProcess Mirror { get; private set; } = null!;

    public TestCertificate Certificate { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public string Url => Mirror.BaseUrl;

    public string KeysFile => Path.Combine(_dir.Path, "keys.json");

    public async Task InitializeAsync()
    {
        Certificate = new TestCertificate(_dir.Path);
        Http = Certificate.Client();
        WriteKeys(revokeSyncer: false);
        Mirror = await SiloProcess.StartHealthyAsync(_dir.Path, Http,
            "--api-keys-file", KeysFile, "--tls-cert", Certificate.CertPath, "--tls-key", Certificate.KeyPath,
            "--max-document-size", $"{MaxDocumentSize}");
    }

    /// <summary>Writes the key file atomically (temp file + rename), as an operator should.</summary>
    public void WriteKeys(bool revokeSyncer)
    {
        var keys = new JsonArray
        {
            Entry("reader", Reader, ["alpha"], "read", hashed: true),
            Entry("writer", Writer, ["alpha"], "write", hashed: false),
            Entry("admin", Admin, ["*"], "admin", hashed: true),
            Entry("other-db", OtherDb, ["beta"], "write", hashed: true),
            Entry("old", Expired, ["*"], "admin", hashed: true, expires: "2020-01-01T00:00:00Z"),
        };
        if (!revokeSyncer) keys.Add(Entry("syncer", Syncer, ["*"], "write", hashed: true));
        string temp = KeysFile + ".tmp";
        File.WriteAllText(temp, new JsonObject { ["keys"] = keys }.ToJsonString());
        File.Move(temp, KeysFile, overwrite: true);
    }

    /// <summary>Polls until <paramref name="key"/> gets <paramref name="expected"/> on a read route (the mirror looks at the key file once a second).</summary>
    public async Task WaitForKeyStatusAsync(string key, HttpStatusCode expected, string db = "alpha")
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var response = await SendAsync(HttpMethod.Get, $"/db/{db}/docs?limit=1", key);
            if (response.StatusCode == expected) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"key still answered {(int)response.StatusCode}, not {(int)expected}");
            await Task.Delay(100);
        }
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? key, HttpContent? content = null, bool xApiKey = false)
    {
        using var request = new HttpRequestMessage(method, Url + path) { Content = content };
        if (key is not null)
        {
            if (xApiKey) request.Headers.Add("X-Api-Key", key);
            else request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return await Http.SendAsync(request);
    }

    private static JsonObject Entry(string name, string key, string[] databases, string rights, bool hashed, string? expires = null)
    {
        var entry = new JsonObject { ["name"] = name };
        if (hashed) entry["keyHash"] = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        else entry["key"] = key;
        entry["databases"] = new JsonArray([.. databases.Select(d => (JsonNode)d)]);
        entry["rights"] = rights;
        if (expires is not null) entry["expires"] = expires;
        return entry;
    }

    private static string Random() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public async Task DisposeAsync()
    {
        await Mirror.DisposeAsync();
        Http.Dispose();
        Certificate.Dispose();
        _dir.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class SecureMirrorCollection : ICollectionFixture<SecureMirrorFixture>
{
    public const string Name = "secure mirror";
}
