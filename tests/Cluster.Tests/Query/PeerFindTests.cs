using System.Text.Json.Nodes;
using static MyNoSql.Cluster.Tests.Query.QueryApi;

namespace MyNoSql.Cluster.Tests.Query;

/// <summary>
/// <see cref="FindScope.Mirrors"/>: a peer in Peer mode asks a mirror over HTTP through the public
/// <c>MyNoSqlDb.FindAsync(query, FindScope.Mirrors)</c>, and gets what the mirrors hold, not what it holds.
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
        var query = JsonNode.Parse("""{"selector":{"team":"red"},"sort":["i"],"limit":3}""")!.AsObject();

        Assert.Empty((await peer.FindAsync(query)).Docs); // the peer holds none of them
        var first = await peer.FindAsync(query, FindScope.Mirrors);
        Assert.Equal(["m00", "m01", "m02"], first.Docs.Select(d => (string)d["id"]!));
        Assert.NotNull(first.Bookmark);
        query["bookmark"] = first.Bookmark;
        var second = await peer.FindAsync(query, FindScope.Mirrors);
        Assert.Equal(["m03", "m04"], second.Docs.Select(d => (string)d["id"]!));

        var bad = await Assert.ThrowsAsync<ArgumentException>(() =>
            peer.FindAsync(JsonNode.Parse("""{"selector":{"team":{"$nosuch":1}}}""")!.AsObject(), FindScope.Mirrors));
        Assert.Contains("q-peer", bad.Message, StringComparison.Ordinal);
    }
}
