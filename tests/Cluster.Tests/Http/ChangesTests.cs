using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Cluster.Tests.Support;
using Xunit.Abstractions;
using static MyNoSql.Cluster.Tests.Http.Api;

namespace MyNoSql.Cluster.Tests.Http;

/// <summary>The change feed routes (DESIGN §7) on real mirror processes: <c>GET|POST /db/{db}/_changes</c>.</summary>
[Collection(HttpClusterCollection.Name)]
public sealed class ChangesTests(HttpClusterFixture fixture, ITestOutputHelper output)
{
    private HttpClient Http => fixture.Http;

    private static string NewDb(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    private async Task<JsonObject> PutAsync(int mirror, string db, string id, string json)
    {
        var (status, body) = await SendAsync(Http, HttpMethod.Put, $"{fixture.Url(mirror)}/db/{db}/doc/{Uri.EscapeDataString(id)}", Json(json));
        Assert.Equal(HttpStatusCode.Created, status);
        return body!.AsObject();
    }

    private async Task<JsonObject> ChangesAsync(int mirror, string db, string query = "")
    {
        var (status, body) = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(mirror)}/db/{db}/_changes{query}");
        Assert.Equal(HttpStatusCode.OK, status);
        return body!.AsObject();
    }

    private static List<JsonObject> Results(JsonObject feed) => [.. feed["results"]!.AsArray().Select(r => r!.AsObject())];

    [Fact]
    public async Task A_normal_feed_longer_than_a_page_is_streamed_whole_and_resumes_from_its_last_seq()
    {
        string db = NewDb("chs");
        var ids = Enumerable.Range(0, 2_500).Select(i => $"s{i:D4}").ToList();
        foreach (var chunk in ids.Chunk(500))
        {
            var docs = new JsonArray([.. chunk.Select(id => (JsonNode)new JsonObject { ["_id"] = id, ["n"] = 1 })]);
            var (status, _) = await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/couch/{db}/_bulk_docs", Json(new JsonObject { ["docs"] = docs }.ToJsonString()));
            Assert.Equal(HttpStatusCode.Created, status);
        }
        using (var response = await Http.GetAsync($"{fixture.Url(1)}/db/{db}/_changes", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(response.Headers.TransferEncodingChunked, "a long feed is streamed, not built whole with its length");
            var feed = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
            Assert.Equal(ids, Results(feed).Select(r => Str(r, "id")).Order(StringComparer.Ordinal));
            Assert.Empty(Results(await ChangesAsync(2, db, $"?since={Str(feed, "last_seq")}")));
        }
        var first = await ChangesAsync(1, db, "?limit=1500");
        Assert.Equal(1500, Results(first).Count);
        Assert.Equal(Str(Results(first)[^1], "seq"), Str(first, "last_seq"));
        var rest = await ChangesAsync(2, db, $"?since={Str(first, "last_seq")}");
        Assert.Equal(ids, Results(first).Concat(Results(rest)).Select(r => Str(r, "id")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_normal_feed_lists_each_record_once_at_its_latest_revision_on_every_mirror()
    {
        string db = NewDb("chg");
        var a = await PutAsync(0, db, "a", """{"n":1}""");
        var b = await PutAsync(1, db, "b", """{"n":1}""");
        var b2 = await PutAsync(2, db, "b", $$"""{"rev":"{{Str(b, "rev")}}","n":2}""");
        var c = await PutAsync(0, db, "c/1", """{"n":1}""");
        var (deleteStatus, tombstone) = await SendAsync(Http, HttpMethod.Delete, $"{fixture.Url(0)}/db/{db}/doc/c%2F1?rev={Str(c, "rev")}");
        Assert.Equal(HttpStatusCode.OK, deleteStatus);

        var feed = await ChangesAsync(1, db);
        var results = Results(feed).ToDictionary(r => Str(r, "id"));
        Assert.Equal(["a", "b", "c/1"], results.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Str(a, "rev"), Str(results["a"], "rev"));
        Assert.Equal(Str(b2, "rev"), Str(results["b"], "rev"));
        Assert.Equal(Str(tombstone, "rev"), Str(results["c/1"], "rev"));
        Assert.True((bool)results["c/1"]["deleted"]!);
        Assert.Null(results["a"]["deleted"]);
        Assert.Null(results["a"]["doc"]);
        Assert.Equal(3, results.Values.Select(r => Str(r, "seq")).Distinct().Count());

        // The seq is cluster-wide: last_seq from one mirror is the end on every mirror.
        string last = Str(feed, "last_seq");
        for (int m = 0; m < 3; m++) Assert.Empty(Results(await ChangesAsync(m, db, $"?since={last}")));
        Assert.Empty(Results(await ChangesAsync(2, db, "?since=now")));
        var d = await PutAsync(2, db, "d", "{}");
        var after = Assert.Single(Results(await ChangesAsync(0, db, $"?since={last}")));
        Assert.Equal(("d", Str(d, "rev")), (Str(after, "id"), Str(after, "rev")));

        // include_docs: the record as stored; none for a tombstone.
        var withDocs = Results(await ChangesAsync(2, db, "?include_docs=true&since=0")).ToDictionary(r => Str(r, "id"));
        Assert.Equal(2, (int)withDocs["b"]["doc"]!["n"]!);
        Assert.Equal(Str(b2, "rev"), Str(withDocs["b"]["doc"], "rev"));
        Assert.Null(withDocs["c/1"]["doc"]);
    }

    [Fact]
    public async Task Limit_pages_resume_from_last_seq_or_any_result_seq_without_misses_or_repeats()
    {
        string db = NewDb("page");
        var ids = Enumerable.Range(0, 25).Select(i => $"r{i:D2}").ToList();
        foreach (var id in ids) await PutAsync(ids.IndexOf(id) % 3, db, id, "{}");

        var seen = new List<string>();
        string since = "0";
        for (int pages = 0; ; pages++)
        {
            Assert.True(pages < 10, "too many pages");
            var page = await ChangesAsync(pages % 3, db, $"?limit=10&since={since}");
            var results = Results(page);
            Assert.True(results.Count <= 10);
            if (results.Count == 0) break;
            seen.AddRange(results.Select(r => Str(r, "id")));
            // A page cut by the limit ends at its last result; a shorter one at the end of the feed.
            if (results.Count == 10) Assert.Equal(Str(results[^1], "seq"), Str(page, "last_seq"));
            since = Str(page, "last_seq");
        }
        Assert.Equal(ids, seen.Order(StringComparer.Ordinal));

        // A consumer that stopped after the 4th result resumes from its seq.
        var all = Results(await ChangesAsync(0, db));
        var rest = Results(await ChangesAsync(1, db, $"?since={Str(all[3], "seq")}"));
        Assert.Equal(all.Skip(4).Select(r => Str(r, "id")), rest.Select(r => Str(r, "id")));
    }

    [Fact]
    public async Task Longpoll_wakes_on_a_write_through_another_mirror_well_before_its_timeout()
    {
        string db = NewDb("lp");
        await PutAsync(0, db, "first", "{}");
        string since = Str(await ChangesAsync(1, db), "last_seq");
        var latencies = new List<double>();
        var afterAck = new List<double>();
        for (int round = 0; round < 30; round++)
        {
            string id = $"w{round}";
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{fixture.Url(1)}/db/{db}/_changes?feed=longpoll&since={since}&timeout=20000&heartbeat=50");
            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var stream = await response.Content.ReadAsStreamAsync();
            // The first heartbeat says the feed is waiting (subscribed, nothing new yet).
            var one = new byte[1];
            Assert.Equal(1, await stream.ReadAsync(one));
            Assert.Equal((byte)'\n', one[0]);
            var clock = Stopwatch.StartNew();
            await PutAsync(round % 2 == 0 ? 0 : 2, db, id, "{}");
            double acked = clock.Elapsed.TotalMilliseconds;
            string text = await new StreamReader(stream).ReadToEndAsync();
            latencies.Add(clock.Elapsed.TotalMilliseconds);
            afterAck.Add(clock.Elapsed.TotalMilliseconds - acked);
            var feed = JsonNode.Parse(text)!.AsObject();
            var change = Assert.Single(Results(feed));
            Assert.Equal(id, Str(change, "id"));
            since = Str(feed, "last_seq");
        }
        latencies.Sort();
        afterAck.Sort();
        output.WriteLine($"write through another mirror → longpoll answer, {latencies.Count} rounds (ms): write included p50 {latencies[latencies.Count / 2]:F1} "
            + $"p95 {latencies[latencies.Count * 95 / 100]:F1} max {latencies[^1]:F1}; after the write's 201 p50 {afterAck[afterAck.Count / 2]:F1} max {afterAck[^1]:F1}");
        // Notification-driven: far below the timeout (the goal is 200 ms p99; a loaded 2-core machine gets slack here,
        // and one GC pause or fsync stall in 30 rounds must not fail it: the median, and every round well inside 20 s).
        Assert.True(latencies[latencies.Count / 2] < 3000, $"longpoll answered a median {latencies[latencies.Count / 2]:F0} ms after the write (timeout 20000)");
        Assert.True(latencies[^1] < 12000, $"longpoll answered {latencies[^1]:F0} ms after the write (timeout 20000)");

        // Nothing happens: the answer comes at the timeout, empty, with last_seq = since.
        var clock2 = Stopwatch.StartNew();
        var idle = await ChangesAsync(0, db, $"?feed=longpoll&since={since}&timeout=300");
        Assert.True(clock2.ElapsedMilliseconds >= 250, $"answered after {clock2.ElapsedMilliseconds} ms");
        Assert.Empty(Results(idle));
        Assert.Equal(since, Str(idle, "last_seq"));
    }

    [Fact]
    public async Task Eventsource_streams_changes_as_events_with_heartbeats_until_the_timeout()
    {
        string db = NewDb("sse");
        await PutAsync(0, db, "old", "{}");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{fixture.Url(2)}/db/{db}/_changes?feed=eventsource&since=0&heartbeat=100&timeout=4000&include_docs=true");
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var events = new List<(JsonObject Data, string Id)>();
        int heartbeats = 0;
        JsonObject? data = null;
        bool wrote = false;
        long wroteAt = 0;
        var clock = Stopwatch.StartNew();
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.StartsWith(':')) heartbeats++;
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = JsonNode.Parse(line["data: ".Length..])!.AsObject();
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                events.Add((data!, line["id: ".Length..]));
                Assert.Equal(Str(data, "seq"), events[^1].Id);
                if (events.Count == 2) output.WriteLine($"write through another mirror → SSE event: {clock.ElapsedMilliseconds - wroteAt} ms");
            }
            if (!wrote && events.Count == 1)
            {
                wrote = true;
                wroteAt = clock.ElapsedMilliseconds;
                await PutAsync(0, db, "new", """{"x":1}""");
            }
        }
        // The stream ended by itself at the timeout.
        Assert.Equal(["old", "new"], events.Select(e => Str(e.Data, "id")));
        Assert.Equal(1, (int)events[1].Data["doc"]!["x"]!);
        Assert.True(heartbeats > 0, "no heartbeat comment");
        // The last event's id resumes after everything.
        Assert.Empty(Results(await ChangesAsync(0, db, $"?since={events[^1].Id}")));
    }

    [Fact]
    public async Task A_subscriber_resuming_after_a_mirror_restart_misses_nothing()
    {
        string db = NewDb("rst");
        var written = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 30; i++)
        {
            await PutAsync(i % 3, db, $"k{i:D2}", "{}");
            written.Add($"k{i:D2}");
        }
        // The subscriber reads part of the feed through mirror 2, then mirror 2 restarts.
        var first = Results(await ChangesAsync(2, db, "?limit=12"));
        var seen = first.Select(r => Str(r, "id")).ToHashSet(StringComparer.Ordinal);
        string seq = Str(first[^1], "seq");

        Assert.Equal(0, await fixture.Cluster.Mirrors[2].StopAsync(TimeSpan.FromSeconds(40)));
        await fixture.Cluster.WaitForMirrorsAsync(2, TimeSpan.FromSeconds(60));
        for (int i = 30; i < 40; i++)
        {
            await PutAsync(i % 2, db, $"k{i:D2}", "{}");
            written.Add($"k{i:D2}");
        }
        await fixture.Cluster.Mirrors[2].DisposeAsync();
        await fixture.Cluster.StartMirror(2).WaitHealthyAsync(Http, TimeSpan.FromSeconds(90));
        await fixture.Cluster.WaitForMirrorsAsync(3, TimeSpan.FromSeconds(60));
        await PutAsync(2, db, "k40", "{}");
        written.Add("k40");

        // Segments that lived on the restarted mirror start a new epoch: they may list entries again, never fewer.
        var rest = Results(await ChangesAsync(2, db, $"?since={seq}")).Select(r => Str(r, "id")).ToHashSet(StringComparer.Ordinal);
        var missed = written.Where(id => !seen.Contains(id) && !rest.Contains(id)).ToList();
        Assert.True(missed.Count == 0, $"missed after the restart: {string.Join(", ", missed)}");
    }

    [Fact]
    public async Task A_selector_filters_the_feed_and_last_seq_still_moves_past_what_it_skipped()
    {
        string db = NewDb("sel");
        await PutAsync(0, db, "o1", """{"type":"order","total":5}""");
        await PutAsync(1, db, "u1", """{"type":"user"}""");
        var doomed = await PutAsync(2, db, "o2", """{"type":"order"}""");
        await SendAsync(Http, HttpMethod.Delete, $"{fixture.Url(0)}/db/{db}/doc/o2?rev={Str(doomed, "rev")}");

        var (status, body) = await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(1)}/db/{db}/_changes?include_docs=true", Json("""{"selector":{"type":"order"}}"""));
        Assert.Equal(HttpStatusCode.OK, status);
        var only = Assert.Single(Results(body!.AsObject()));
        Assert.Equal("o1", Str(only, "id"));
        Assert.Equal(5, (int)only["doc"]!["total"]!);
        // Past everything, the skipped user and the deleted order included.
        Assert.Empty(Results(await ChangesAsync(0, db, $"?since={Str(body, "last_seq")}")));

        // A filtered longpoll ignores non-matching writes and still advances last_seq at its timeout.
        string since = Str(body, "last_seq");
        await PutAsync(0, db, "u2", """{"type":"user"}""");
        var (_, idle) = await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(2)}/db/{db}/_changes?feed=longpoll&timeout=300&since={since}", Json("""{"selector":{"type":"order"}}"""));
        Assert.Empty(Results(idle!.AsObject()));
        Assert.NotEqual(since, Str(idle, "last_seq"));
        Assert.Empty(Results(await ChangesAsync(0, db, $"?since={Str(idle, "last_seq")}")));

        Assert.Equal("bad_query", AssertError(HttpStatusCode.BadRequest,
            await SendAsync(Http, HttpMethod.Post, $"{fixture.Url(0)}/db/{db}/_changes", Json("""{"selector":{"total":{"$bogus":1}}}"""))));
    }

    [Theory]
    [InlineData("?since=garbage!", "since")]
    [InlineData("?since=AQID", "since")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=ten", "limit")]
    [InlineData("?include_docs=yes", "include_docs")]
    [InlineData("?feed=continuous", "feed")]
    [InlineData("?feed=longpoll&timeout=-5", "timeout")]
    [InlineData("?feed=longpoll&timeout=soon", "timeout")]
    [InlineData("?feed=eventsource&heartbeat=often", "heartbeat")]
    [InlineData("?descending=true", "descending")]
    [InlineData("?filter=_design/app", "filter")]
    [InlineData("?filter=_selector", "filter")]
    public async Task Bad_parameters_are_400_bad_request_naming_the_parameter(string query, string parameter)
    {
        var result = await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(0)}/db/params/_changes{query}");
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, result));
        Assert.Contains(parameter, Str(result.Body, "reason"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_databases_and_bodies_get_the_gateways_errors()
    {
        string url = $"{fixture.Url(1)}/db/bodies/_changes";
        Assert.Equal("invalid_db", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Get, $"{fixture.Url(1)}/db/Bad.Name/_changes")));
        Assert.Equal("unsupported_media_type", AssertError(HttpStatusCode.UnsupportedMediaType,
            await SendAsync(Http, HttpMethod.Post, url, new StringContent("selector=all", Encoding.UTF8, "text/plain"))));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Post, url, Json("{not json"))));
        Assert.Equal("bad_request", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Post, url, Json("[1,2]"))));
        Assert.Equal("bad_query", AssertError(HttpStatusCode.BadRequest, await SendAsync(Http, HttpMethod.Post, url, Json("""{"selector":5}"""))));
        Assert.Equal("too_large", AssertError(HttpStatusCode.RequestEntityTooLarge,
            await SendAsync(Http, HttpMethod.Post, url, Json("{\"selector\":{\"a\":\"" + new string('x', 1 << 20) + "\"}}"))));
        // A POST without a selector is the unfiltered feed; a database nobody wrote is an empty one.
        var (status, body) = await SendAsync(Http, HttpMethod.Post, url, Json("{}"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(Results(body!.AsObject()));
    }
}
