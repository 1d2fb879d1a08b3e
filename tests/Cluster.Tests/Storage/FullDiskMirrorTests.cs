using System.Diagnostics;
using System.Net;
using MyNoSql.Cluster.Tests.Support;
using MyNoSql.Tests.Support;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Storage;

/// <summary>
/// A mirror whose disk fills up (its data on a 48 MiB tmpfs mounted for the test; needs root, as CI runs): writes are
/// 503 <c>unavailable</c> with Retry-After and a reason saying the disk is full (never a 500), every acknowledged record
/// still reads back, and writes resume without a restart once space is freed.
/// </summary>
public sealed class FullDiskMirrorTests : IAsyncLifetime
{
    private const string Db = "full";
    private readonly TempDirectory _root = new("mynosql-full-disk-");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private SiloProcess? _mirror;
    private SmallFileSystem? _disk;

    public async Task InitializeAsync()
    {
        _disk = SmallFileSystem.Mount(_root.Path, 48);
        if (_disk is not null) _mirror = await SiloProcess.StartHealthyAsync(_root.Path, _http);
    }

    public async Task DisposeAsync()
    {
        if (_mirror is not null) await _mirror.DisposeAsync();
        _disk?.Dispose();
        _http.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task Writes_to_a_full_mirror_are_503_its_records_still_read_and_writes_resume_when_space_is_freed()
    {
        if (_mirror is null) return;
        // Everything the store has not reserved yet goes to a file a user would delete to make room.
        string filler = Path.Combine(_root.Path, "filler.bin");
        SmallFileSystem.FillUp(filler);
        string big = new('x', 50_000);
        var acknowledged = new List<string>();
        (HttpStatusCode Status, string Reason, string? RetryAfter)? refused = null;
        for (int i = 0; i < 2_000 && refused is null; i++)
        {
            using var response = await _http.PutAsync($"{_mirror.BaseUrl}/db/{Db}/doc/r{i}", Json($$"""{"n":{{i}},"big":"{{big}}"}"""));
            string body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.Created) acknowledged.Add($"r{i}");
            else refused = (response.StatusCode, body, response.Headers.RetryAfter?.ToString());
        }
        Assert.NotNull(refused);
        var (status, reason, retryAfter) = refused.Value;
        Assert.True(status == HttpStatusCode.ServiceUnavailable, $"{(int)status} {reason}");
        Assert.Contains("\"unavailable\"", reason, StringComparison.Ordinal);
        Assert.Contains("disk is full", reason, StringComparison.Ordinal);
        Assert.Contains($"/{Db}/", reason, StringComparison.Ordinal);
        Assert.NotNull(retryAfter);
        Assert.NotEmpty(acknowledged);

        foreach (var id in acknowledged)
        {
            var (read, doc) = await SendAsync(_http, HttpMethod.Get, $"{_mirror.BaseUrl}/db/{Db}/doc/{id}");
            Assert.Equal(HttpStatusCode.OK, read);
            Assert.Equal(big, Str(doc, "big"));
        }

        // Space freed: writes go through again, no restart (a shard may first need its log extended).
        File.Delete(filler);
        var deadline = Stopwatch.StartNew();
        HttpStatusCode after;
        int n = 0;
        do
        {
            (after, _) = await SendAsync(_http, HttpMethod.Put, $"{_mirror.BaseUrl}/db/{Db}/doc/after{n++}", Json("""{"n":-1}"""));
            Assert.True(after is HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable, $"{(int)after}");
        }
        while (after != HttpStatusCode.Created && deadline.Elapsed < TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.Created, after);
    }
}
