using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Http;

/// <summary>
/// DESIGN §11 on real mirror processes: Prometheus text at <c>/metrics</c> with the "MyNoSql" meter and Orleans' own,
/// the Orleans Dashboard at <c>/dashboard</c>; with API keys on, both need an admin key. (The shared fixture has one
/// mirror with keys, a write key only.)
/// </summary>
[Collection(ReadOnlyMirrorCollection.Name)]
public sealed class ObservabilityTests(ReadOnlyMirrorFixture fixture)
{
    [Fact]
    public async Task Metrics_carry_the_mynosql_meter_and_the_dashboard_is_served()
    {
        string db = "ob" + Guid.NewGuid().ToString("N")[..8];
        var (created, _) = await SendAsync(fixture.Http, HttpMethod.Put, $"{fixture.Writable}/db/{db}/doc/m1", Json("""{"v":1}"""));
        Assert.Equal(HttpStatusCode.Created, created);
        var (found, _) = await SendAsync(fixture.Http, HttpMethod.Post, $"{fixture.Writable}/db/{db}/_find", Json("""{"selector":{"v":1}}"""));
        Assert.Equal(HttpStatusCode.OK, found);

        using var metrics = await fixture.Http.GetAsync($"{fixture.Writable}/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        string text = await metrics.Content.ReadAsStringAsync();
        Assert.Contains("mynosql_records", text, StringComparison.Ordinal);
        Assert.Contains("mynosql_disk_bytes", text, StringComparison.Ordinal);
        Assert.Contains("orleans_", text, StringComparison.Ordinal);
        // The exporter answers from a scrape cached for 300 ms (the test before this one may just have scraped): poll.
        var samples = await ScrapeUntilAsync(fixture.Writable, s => Sum(s, "mynosql_queries", db) >= 1);
        Assert.True(Sum(samples, "mynosql_records", db) >= 1);

        using var dashboard = await fixture.Http.GetAsync($"{fixture.Writable}/dashboard/");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("html", dashboard.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mirror_counts_the_sync_it_serves_the_conflicts_it_received_and_records_per_database()
    {
        string db = "om" + Guid.NewGuid().ToString("N")[..8];
        using var dir = new TempDirectory("mynosql-metrics-peer-");
        await using var peer = await MyNoSqlDb.OpenAsync(db, new MyNoSqlOptions { DataDirectory = dir.Path, SyncInterval = Timeout.InfiniteTimeSpan });
        await peer.AddPeerAsync(fixture.Writable);
        var c1 = await peer.SaveDocAsync(new JsonObject { ["id"] = "c1", ["v"] = 1 });
        var c2 = await peer.SaveDocAsync(new JsonObject { ["id"] = "c2", ["v"] = 1 });
        await peer.SyncAsync();
        Assert.Equal(fixture.Writable, peer.GetSyncStatus().MirrorInUse);

        // The same revision edited on the mirror and on the peer: the peer's push leaves c1 conflicted.
        string rev1 = (string)c1["rev"]!;
        var (edited, _) = await SendAsync(fixture.Http, HttpMethod.Put, $"{fixture.Writable}/db/{db}/doc/c1", Json($$"""{"rev":"{{rev1}}","v":2}"""));
        Assert.Equal(HttpStatusCode.Created, edited);
        await peer.SaveDocAsync(new JsonObject { ["id"] = "c1", ["rev"] = rev1, ["v"] = 3 });
        await peer.DeleteDocAsync("c2", (string)c2["rev"]!); // a tombstone is a record held
        await peer.SyncAsync();
        var (listed, conflicts) = await SendAsync(fixture.Http, HttpMethod.Get, $"{fixture.Writable}/db/{db}/conflicts/c1");
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Single(conflicts!["conflicts"]!.AsArray());

        // A CouchDB replicator's sibling revision (new_edits=false) leaves c3 conflicted.
        foreach (char h in "ab")
        {
            var (stored, _) = await SendAsync(fixture.Http, HttpMethod.Post, $"{fixture.Writable}/couch/{db}/_bulk_docs",
                Json($$"""{"new_edits":false,"docs":[{"_id":"c3","_rev":"1-{{new string(h, 32)}}","v":1}]}"""));
            Assert.Equal(HttpStatusCode.Created, stored);
        }

        // Counters as they stand; the exporter may answer from a scrape cached for a moment, so poll.
        var samples = await ScrapeUntilAsync(fixture.Writable, s =>
            Sum(s, "mynosql_conflicts", db) == 2 && Sum(s, "mynosql_records", db) == 3
            && Sum(s, "mynosql_sync_rounds", db, ("route", "push"), ("result", "ok")) >= 2);
        Assert.True(Sum(samples, "mynosql_sync_rounds", db, ("route", "changes"), ("result", "ok")) >= 2);
        Assert.True(Sum(samples, "mynosql_sync_rounds", db, ("route", "fetch")) >= 1);
        Assert.True(Sum(samples, "mynosql_sync_bytes", db, ("direction", "received")) > 0);
        Assert.True(Sum(samples, "mynosql_sync_bytes", db, ("direction", "sent")) > 0);
        Assert.True(Sum(samples, "mynosql_disk_bytes", db) > 0);
        Assert.DoesNotContain(samples, s => s.Name.StartsWith("mynosql_records", StringComparison.Ordinal) && s.Labels.GetValueOrDefault("db") == "mirror");

        // The copies replication brought to another mirror are counted there as records, not again as conflicts.
        var replicated = await ScrapeUntilAsync(fixture.ReadOnly, s => Sum(s, "mynosql_records", db) == 3);
        Assert.Equal(0, Sum(replicated, "mynosql_conflicts", db));
    }

    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);

    /// <summary>The sum of the samples of a metric (its name with or without the exporter's suffix) for a database and labels.</summary>
    private static double Sum(IEnumerable<Sample> samples, string metric, string db, params (string Name, string Value)[] labels) => samples
        .Where(s => (s.Name == metric || s.Name.StartsWith(metric + "_", StringComparison.Ordinal) && !s.Name.EndsWith("_created", StringComparison.Ordinal))
                    && s.Labels.GetValueOrDefault("db") == db && labels.All(l => s.Labels.GetValueOrDefault(l.Name) == l.Value))
        .Sum(s => s.Value);

    /// <summary>Scrapes <c>/metrics</c> until <paramref name="done"/> holds (at most 30 s).</summary>
    private async Task<List<Sample>> ScrapeUntilAsync(string mirror, Func<List<Sample>, bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var samples = Parse(await fixture.Http.GetStringAsync($"{mirror}/metrics"));
            if (done(samples)) return samples;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "metrics not as expected within 30 s:\n" +
                string.Join("\n", samples.Where(s => s.Name.StartsWith("mynosql_", StringComparison.Ordinal))
                    .Select(s => $"{s.Name}{{{string.Join(",", s.Labels.Select(l => $"{l.Key}={l.Value}"))}}} {s.Value}")));
            await Task.Delay(200);
        }
    }

    /// <summary>Prometheus text: <c>name{label="value",…} value [timestamp]</c> per line.</summary>
    private static List<Sample> Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            int brace = line.IndexOf('{', StringComparison.Ordinal), space;
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            string name;
            if (brace >= 0)
            {
                name = line[..brace];
                int end = line.LastIndexOf('}');
                foreach (System.Text.RegularExpressions.Match pair in System.Text.RegularExpressions.Regex.Matches(line[(brace + 1)..end], "([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\""))
                    labels[pair.Groups[1].Value] = pair.Groups[2].Value;
                space = end + 1;
            }
            else
            {
                space = line.IndexOf(' ', StringComparison.Ordinal);
                name = line[..space];
            }
            string[] rest = line[space..].Trim().Split(' ');
            if (double.TryParse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double value)) samples.Add(new Sample(name, labels, value));
        }
        return samples;
    }

    [Fact]
    public async Task With_keys_on_metrics_and_dashboard_need_an_admin_key()
    {
        using var anonymous = new HttpClient();
        foreach (string path in new[] { "/metrics", "/dashboard/" })
        {
            Assert.Equal("unauthorized", AssertError(HttpStatusCode.Unauthorized, await SendAsync(anonymous, HttpMethod.Get, fixture.KeyedReadOnly + path)));
            // The fixture's client carries a key with write rights only.
            Assert.Equal("forbidden", AssertError(HttpStatusCode.Forbidden, await SendAsync(fixture.Http, HttpMethod.Get, fixture.KeyedReadOnly + path)));
        }
    }
}
