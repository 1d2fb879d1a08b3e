using System.Text.Json.Nodes;
using MyNoSql.Sync.Tests.Support;

namespace MyNoSql.Sync.Tests;

/// <summary>
/// <see cref="FindScope.Mirrors"/> through both transports: <see cref="ISyncTransport.FindAsync"/> over HTTP
/// (<c>POST /db/{db}/_find</c>) and over an Orleans gateway (<c>IQueryGrain</c>) give the same answer, and a bad
/// query is an <see cref="ArgumentException"/> carrying the mirror's reason on both.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class QueryTransportTests(MirrorFixture mirror) : IAsyncLifetime
{
    private readonly Peers _peers = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _peers.DisposeAsync();

    [Fact]
    public async Task Both_transports_run_a_query_on_the_mirror()
    {
        string db = "find" + Guid.NewGuid().ToString("N")[..8];
        var writer = await _peers.OpenAsync(db);
        for (int i = 0; i < 6; i++) await writer.SaveDocAsync(new JsonObject { ["id"] = $"f/{i}", ["even"] = i % 2 == 0 });
        await writer.AddPeerAsync(mirror.Url);
        await writer.SyncAsync();

        using var http = new HttpSyncTransport(TimeSpan.FromSeconds(30), null);
        using var orleans = new OrleansSyncTransport("mynosql", "mynosql");
        string orleansUrl = $"orleans://127.0.0.1:{mirror.GatewayPort}";
        var query = JsonNode.Parse("""{"selector":{"even":true},"limit":10}""")!.AsObject();

        var viaHttp = await http.FindAsync(mirror.Url, db, query, CancellationToken.None);
        var viaOrleans = await orleans.FindAsync(orleansUrl, db, query, CancellationToken.None);
        Assert.Equal(["f/0", "f/2", "f/4"], Ids(viaHttp));
        Assert.Equal(Ids(viaHttp), Ids(viaOrleans));
        Assert.True(viaOrleans.ContainsKey("bookmark") && viaOrleans.ContainsKey("index"));

        var bad = JsonNode.Parse("""{"selector":{"even":{"$nosuch":1}}}""")!.AsObject();
        var overHttp = await Assert.ThrowsAsync<ArgumentException>(() => http.FindAsync(mirror.Url, db, bad, CancellationToken.None));
        var overOrleans = await Assert.ThrowsAsync<ArgumentException>(() => orleans.FindAsync(orleansUrl, db, bad, CancellationToken.None));
        Assert.Contains(db, overHttp.Message, StringComparison.Ordinal);
        Assert.Contains("$nosuch", overOrleans.Message, StringComparison.Ordinal);
    }

    private static List<string> Ids(JsonObject answer) => [.. answer["docs"]!.AsArray().Select(d => (string)d!["id"]!).Order(StringComparer.Ordinal)];
}
