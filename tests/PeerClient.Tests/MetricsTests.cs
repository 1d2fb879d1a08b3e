using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;

namespace MyNoSql.PeerClient.Tests;

/// <summary>DESIGN §11: the "MyNoSql" meter on a peer counts its saves, reads and queries, tagged with the database.</summary>
public class MetricsTests
{
    [Fact]
    public async Task A_peer_counts_its_saves_reads_and_queries_by_database()
    {
        string name = "m" + Guid.NewGuid().ToString("N")[..10];
        var counted = new Dictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "MyNoSql" && instrument is Counter<long>) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key != "db" || !Equals(tag.Value, name)) continue;
                lock (counted) counted[instrument.Name] = counted.GetValueOrDefault(instrument.Name) + value;
            }
        });
        listener.Start();

        using var dir = new TempDir();
        await using (var db = await MyNoSqlDb.OpenAsync(name, dir.Options()))
        {
            await db.SaveDocAsync(new JsonObject { ["id"] = "a", ["type"] = "t" });
            await db.SaveDocAsync(new JsonObject { ["id"] = "b", ["type"] = "t" });
            Assert.NotNull(await db.ReadDocAsync("a"));
            var found = await db.FindAsync(JsonNode.Parse("""{"selector":{"type":"t"}}""")!.AsObject());
            Assert.Equal(2, found.Docs.Count);
            Assert.Equal(2, await db.CountAsync(JsonNode.Parse("""{"type":"t"}""")!.AsObject()));
        }

        lock (counted)
        {
            Assert.Equal(2, counted.GetValueOrDefault("mynosql.saves"));
            Assert.True(counted.GetValueOrDefault("mynosql.reads") >= 1, $"reads: {counted.GetValueOrDefault("mynosql.reads")}");
            Assert.Equal(2, counted.GetValueOrDefault("mynosql.queries"));
        }
    }
}
