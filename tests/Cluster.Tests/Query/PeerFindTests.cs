using System.Reflection;
using System.Text.Json.Nodes;
using MyNoSql.Sync;
using static MyNoSql.Cluster.Tests.Query.QueryApi;

namespace MyNoSql.Cluster.Tests.Query;

/// <summary>
/// <see cref="FindScope.Mirrors"/>: a peer in Peer mode asks a mirror over HTTP (through
/// <c>SyncEngine.FindOnMirrorsAsync</c>, which <c>MyNoSqlDb.FindAsync(query, FindScope.Mirrors)</c> calls).
/// </summary>
[Collection(QueryClusterCollection.Name)]
public sealed class PeerFindTests(QueryClusterFixture fixture)
{
    [Fact]
    public async Task A_peer_queries_a_mirror_and_sees_records_it_does_not_hold()
    {
        const string db = "q-peer";
        for (int i = 0; i < 12; i++)
            await PutAsync(fixture.Http, fixture.Url(i % 3), db, $"m{i:D2}", $$"""{"team":"{{(i < 5 ? "red" : "blue")}}","i":{{i}}}""");
        using var dir = new TempDirectory("mynosql-peerfind-");
        await using var peer = await MyNoSqlDb.OpenAsync(db, new MyNoSqlOptions { DataDirectory = dir.Path, SyncInterval = Timeout.InfiniteTimeSpan });
        await peer.AddPeerAsync(fixture.Url(1));
        var engine = (SyncEngine)typeof(MyNoSqlDb).GetField("_sync", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(peer)!;

        var answer = await engine.FindOnMirrorsAsync(JsonNode.Parse("""{"selector":{"team":"red"},"sort":["i"],"limit":10}""")!.AsObject(), CancellationToken.None);
        Assert.Equal(["m00", "m01", "m02", "m03", "m04"], Ids(answer).Order(StringComparer.Ordinal));
        Assert.True(answer.ContainsKey("bookmark"));
        Assert.True(answer.ContainsKey("index"));

        var bad = await Assert.ThrowsAsync<ArgumentException>(() =>
            engine.FindOnMirrorsAsync(JsonNode.Parse("""{"selector":{"team":{"$nosuch":1}}}""")!.AsObject(), CancellationToken.None));
        Assert.Contains("q-peer", bad.Message, StringComparison.Ordinal);
    }
}
