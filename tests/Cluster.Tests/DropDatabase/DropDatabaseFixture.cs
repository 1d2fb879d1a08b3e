using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MyNoSql.Cluster.Tests.Support;
using MyNoSql.Tests.Support;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.DropDatabase;

/// <summary>
/// Three real mirror processes with API keys on (an admin, a write and a read key on every database) and a fast
/// anti-entropy, for <c>DELETE /db/{db}</c>. The cluster's own client sends the admin key. Its own collection: a test kills
/// and restarts a mirror.
/// </summary>
public sealed partial class DropDatabaseFixture : IAsyncLifetime
{
    public static readonly string AdminKey = "ad_" + Guid.NewGuid().ToString("N");
    public static readonly string WriteKey = "wr_" + Guid.NewGuid().ToString("N");
    public static readonly string ReadKey = "rd_" + Guid.NewGuid().ToString("N");

    private readonly TempDirectory _keys = new("mynosql-drop-keys-");

    public DropDatabaseFixture()
    {
        string file = Path.Combine(_keys.Path, "keys.json");
        File.WriteAllText(file, $$"""
            {"keys":[{"name":"admin","key":"{{AdminKey}}","databases":["*"],"rights":"admin"},
                     {"name":"writer","key":"{{WriteKey}}","databases":["*"],"rights":"write"},
                     {"name":"reader","key":"{{ReadKey}}","databases":["*"],"rights":"read"}]}
            """);
        Cluster = new(3, adoNet: false, "--anti-entropy-seconds", "1", "--api-keys-file", file);
        Cluster.Http.DefaultRequestHeaders.Authorization = new("Bearer", AdminKey);
    }

    public ProcessCluster Cluster { get; }

    public HttpClient Http => Cluster.Http;

    public string Url(int mirror) => Cluster.Mirrors[mirror].BaseUrl;

    public Task InitializeAsync() => Cluster.StartAsync();

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _keys.Dispose();
    }

    public static string NewDb(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    /// <summary>DELETE /db/{db} with the given key (null: none).</summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body)> DropAsync(int mirror, string db, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"{Url(mirror)}/db/{db}");
        // The request's own header replaces the client's default admin key (an empty one: none at all).
        request.Headers.Authorization = key is null ? null : new AuthenticationHeaderValue("Bearer", key);
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        using var response = await client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>Saves records <c>{prefix}0…</c> with bodies of about <paramref name="bodyBytes"/> bytes, 8 at a time, through
    /// the mirrors in turn; returns each id's revision.</summary>
    public async Task<Dictionary<string, string>> SaveManyAsync(string db, string prefix, int count, int bodyBytes)
    {
        var revs = new Dictionary<string, string>(StringComparer.Ordinal);
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                // Random hex: the store's LZMA cannot shrink it much, so the bytes on disk follow the bytes written.
                string filler = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(bodyBytes / 2));
                var (status, saved) = await SendAsync(Http, HttpMethod.Put, $"{Url(i % 3)}/db/{db}/doc/{prefix}{i}", Json($$"""{"v":{{i}},"filler":"{{filler}}"}"""));
                Assert.Equal(HttpStatusCode.Created, status);
                lock (revs) revs[prefix + i] = Str(saved, "rev");
            }
            finally
            {
                gate.Release();
            }
        }));
        return revs;
    }

    /// <summary>The store bytes this mirror reports for its databases (the sum of <c>mynosql_disk_bytes</c> on <c>/metrics</c>:
    /// each database's share, by records, of the segments and used log bytes).</summary>
    public async Task<long> StoreBytesAsync(int mirror)
    {
        string text = await Http.GetStringAsync($"{Url(mirror)}/metrics");
        var values = MetricLine().Matches(text).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(values);
        return (long)values.Sum();
    }

    /// <summary>Bytes of every file under this mirror's data directory (store, indexes, attachments).</summary>
    public long FileBytes(int mirror) =>
        new DirectoryInfo(Cluster.Slots[mirror].Data).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    /// <summary>Folders named after <paramref name="db"/> under this mirror's data directory (its indexes, its chunk store).</summary>
    public string[] FoldersOf(int mirror, string db) =>
        [.. Directory.EnumerateDirectories(Cluster.Slots[mirror].Data, db, SearchOption.AllDirectories)];

    /// <summary>Polls until <paramref name="probe"/> answers non-null (no fixed sleeps: a short pause between tries only).</summary>
    public static async Task<T> PollAsync<T>(Func<Task<T?>> probe, string what, int seconds = 60) where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (true)
        {
            if (await probe() is { } found) return found;
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {seconds} s waiting for {what}");
            await Task.Delay(150);
        }
    }

    [GeneratedRegex(@"^mynosql_disk_bytes(?:\{[^}]*\})? ([0-9.eE+-]+)", RegexOptions.Multiline)]
    private static partial Regex MetricLine();
}

[CollectionDefinition(Name)]
public sealed class DropDatabaseCollection : ICollectionFixture<DropDatabaseFixture>
{
    public const string Name = "drop database: three keyed mirror processes";
}
