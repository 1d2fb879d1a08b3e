using System.Net;
using MyNoSql.Cluster.Tests.Support;
using MyNoSql.Tests.Support;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Storage;

/// <summary>
/// Three real mirrors, the third on a 48 MiB tmpfs that fills up (mounted for the test; needs root, as CI runs). A save
/// through the full mirror still stands when the other two stored it (a write quorum of three, DESIGN §5): 201, served by
/// every mirror. Before, it answered 500 although the others had stored it, and a client that repeated it made conflicts.
/// </summary>
public sealed class FullDiskClusterTests : IAsyncLifetime
{
    private const string Db = "fullc";
    private readonly ProcessCluster _cluster = new(3, adoNet: false);
    private SmallFileSystem? _disk;

    public async Task InitializeAsync()
    {
        string data = _cluster.Slots[2].Data;
        Directory.CreateDirectory(data);
        _disk = SmallFileSystem.Mount(data, 48);
        if (_disk is not null) await _cluster.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _disk?.Dispose();
    }

    [Fact]
    public async Task Saves_through_a_mirror_whose_disk_is_full_stand_on_the_quorum_of_the_others()
    {
        if (_disk is null) return;
        var http = _cluster.Http;
        var urls = _cluster.Urls.ToArray();
        SmallFileSystem.FillUp(Path.Combine(_cluster.Slots[2].Data, "filler.bin"));
        string big = new('x', 50_000);
        for (int i = 0; i < 400; i++)
        {
            var (status, body) = await SendAsync(http, HttpMethod.Put, $"{urls[2]}/db/{Db}/doc/r{i}", Json($$"""{"n":{{i}},"big":"{{big}}"}"""));
            Assert.True(status == HttpStatusCode.Created, $"r{i}: {(int)status} {body?.ToJsonString()}");
        }
        // The full mirror met its full disk and let the others' quorum carry the saves (event 2076).
        Assert.Contains("acknowledged by a write quorum of the other mirrors; not stored here", _cluster.Mirrors[2].Output, StringComparison.Ordinal);
        foreach (var url in new[] { urls[0], urls[2] })
        {
            for (int i = 0; i < 400; i += 7)
            {
                var (read, doc) = await SendAsync(http, HttpMethod.Get, $"{url}/db/{Db}/doc/r{i}");
                Assert.True(read == HttpStatusCode.OK, $"r{i} via {url}: {(int)read}");
                Assert.Equal(i, (int)doc!["n"]!);
            }
        }
    }
}
