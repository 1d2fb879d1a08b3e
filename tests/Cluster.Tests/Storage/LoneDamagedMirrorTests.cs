using System.Net;
using MyNoSql.Cluster.Tests.History;
using MyNoSql.Cluster.Tests.Support;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Storage;

/// <summary>
/// A lone mirror (no <c>--primary</c>, localhost clustering: no other copy is known) with a damaged record: a read is a
/// 503 <c>unavailable</c> naming database, id, file and offset (not a 500), and restarted it refuses to start with one
/// clear error, leaving its store where it is (setting it aside would look like data loss).
/// </summary>
public sealed class LoneDamagedMirrorTests : IAsyncLifetime
{
    private const string Db = "lone";
    private readonly TempDirectory _root = new("mynosql-lone-damaged-");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private SiloProcess _mirror = null!;

    public async Task InitializeAsync() => _mirror = await SiloProcess.StartHealthyAsync(_root.Path, _http);

    public async Task DisposeAsync()
    {
        await _mirror.DisposeAsync();
        _http.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task A_damaged_record_of_a_lone_mirror_is_503_and_the_mirror_refuses_to_restart_on_it()
    {
        // r0 pushed as a batch (its grain stays inactive), then records after it that push its frame out of the engine's
        // window of recent appends, so the read after the damage goes to the file.
        string big = new('x', 40_000);
        await HistoryApi.PushAsync(_http, _mirror.BaseUrl, Db, "r0", HistoryApi.Leaf(null, $$"""{"n":0,"big":"{{big}}"}"""));
        for (int i = 1; i < 24; i++)
        {
            var (saved, _) = await SendAsync(_http, HttpMethod.Put, $"{_mirror.BaseUrl}/db/{Db}/doc/r{i}", Json($$"""{"n":{{i}},"big":"{{big}}"}"""));
            Assert.Equal(HttpStatusCode.Created, saved);
        }
        string data = Directory.GetDirectories(_root.Path).Single();
        StoreDamage.Flip(data, Db, "r0");

        // No other copy to rewrite it from: 503 unavailable naming the database, the record, the file and the offset.
        var (status, body) = await SendAsync(_http, HttpMethod.Get, $"{_mirror.BaseUrl}/db/{Db}/doc/r0");
        Assert.True(status == HttpStatusCode.ServiceUnavailable, $"{(int)status} {body?.ToJsonString()}");
        Assert.Equal("unavailable", Str(body, "error"));
        string reason = Str(body, "reason");
        Assert.Contains("'r0'", reason, StringComparison.Ordinal);
        Assert.Contains($"'{Db}'", reason, StringComparison.Ordinal);
        Assert.Contains(".wal' at offset ", reason, StringComparison.Ordinal);
        Assert.DoesNotContain(" at MyNoSql.", reason, StringComparison.Ordinal);

        // Restarted, it refuses: one clear error and exit code 1; the store stays where it is.
        Assert.Equal(0, await _mirror.StopAsync(TimeSpan.FromSeconds(60)));
        var again = SiloProcess.Start(data, _mirror.HttpPort, _mirror.SiloPort, _mirror.GatewayPort);
        await using (again)
        {
            Assert.Equal(1, await again.WaitForExitAsync(TimeSpan.FromSeconds(90)));
            string output = again.Output;
            Assert.Contains("error: the mirror could not start: the mirror store at", output, StringComparison.Ordinal);
            Assert.Contains("log-", output, StringComparison.Ordinal);
            Assert.Single(output.Split('\n'), l => l.Contains("no other mirror is known to hold copies", StringComparison.Ordinal));
            Assert.DoesNotContain("at MyNoSql.Storage.Engine", output, StringComparison.Ordinal);
            Assert.Empty(Directory.GetDirectories(data, "mirror.damaged-*"));
            Assert.True(Directory.Exists(Path.Combine(data, "mirror")));
        }
    }
}
