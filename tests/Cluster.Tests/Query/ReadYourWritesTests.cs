using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using MyNoSql.Grains;
using MyNoSql.Grains.Query;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Query;
using Orleans.TestingHost;

namespace MyNoSql.Cluster.Tests.Query;

/// <summary>
/// The freshness guarantee of queries on a mirror (<see cref="AcknowledgedWrites"/>): a query through a gateway
/// reflects every save and delete that gateway acknowledged, even on a silo outside the writes' quorum whose
/// replication is held back.
/// </summary>
[Collection(LaggingClusterCollection.Name)]
public sealed class ReadYourWritesTests(LaggingClusterFixture fixture)
{
    [Fact]
    public async Task A_query_on_a_mirror_outside_the_write_quorum_reflects_the_writes_its_gateway_acknowledged()
    {
        const string db = "ryw-lagging";
        var laggard = (InProcessSiloHandle)fixture.Cluster.Silos[2];
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        LaggingMirrors.Held[laggard.Name] = gate;
        try
        {
            var services = laggard.ServiceProvider;
            var writes = services.GetRequiredService<AcknowledgedWrites>();
            var queries = services.GetRequiredService<MirrorQueries>();
            var store = await services.GetRequiredService<MirrorStoreHost>().Store;
            var grains = fixture.Cluster.Client;
            int missed = 0;
            for (int i = 0; i < 30; i++)
            {
                string id = $"w{i:D2}";
                var record = grains.GetGrain<IRecordGrain>(RecordKey.For(db, id));
                var saved = await record.Save(null, Encoding.UTF8.GetBytes($$"""{"n":{{i}}}"""));
                Assert.Equal(RecordStatus.Ok, saved.Status);
                if (await store.ReadRecordAsync(db, id) is null) missed++;
                writes.Note(db, id, saved.Document!.Rev); // what the gateway does before it answers 201

                var found = await queries.FindAsync(db, Query($$$"""{"selector":{"n":{{{i}}}}}"""), CancellationToken.None);
                Assert.Equal(id, (string)Assert.Single(found.Docs)["id"]!);
                Assert.Equal(saved.Document.Rev, (string)found.Docs[0]["rev"]!);

                if (i % 3 == 0)
                {
                    var deleted = await record.Delete(saved.Document.Rev);
                    Assert.Equal(RecordStatus.Ok, deleted.Status);
                    writes.Note(db, id, deleted.Rev!);
                    Assert.Empty((await queries.FindAsync(db, Query($$$"""{"selector":{"n":{{{i}}}}}"""), CancellationToken.None)).Docs);
                }
            }
            // Writes whose grain lives on the laggard are local anyway; the others must really have been missing there.
            Assert.True(missed > 0, "no write missed the held silo: the test proved nothing");
            Assert.Equal(0, writes.Count(db));
            var all = await queries.FindAsync(db, Query("""{"selector":{"n":{"$gte":0}},"limit":100}"""), CancellationToken.None);
            Assert.Equal(20, all.Docs.Count);
        }
        finally
        {
            LaggingMirrors.Held.TryRemove(laggard.Name, out _);
            gate.TrySetResult();
        }
    }

    private static MangoQuery Query(string json) => MangoQuery.Parse(JsonNode.Parse(json)!.AsObject());
}
