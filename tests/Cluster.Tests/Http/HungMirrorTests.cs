using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Cluster.Tests.Support;

namespace MyNoSql.Cluster.Tests.Http;

/// <summary>
/// A hung mirror (SIGSTOP: its sockets still accept, nothing answers) holds a record's grain. Until the others declare
/// it dead, a grain call to it neither fails nor answers; the gateways of the live mirrors must still answer within
/// <c>--unavailable-retry-seconds</c> (plus a little), with the record or 503 <c>unavailable</c>, not after Orleans'
/// response timeout. Three real mirror processes of their own (one is stopped).
/// </summary>
public sealed class HungMirrorTests : IAsyncLifetime
{
    private const int RetrySeconds = 5;
    private static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(RetrySeconds + 5);

    private readonly ProcessCluster _cluster = new(3, adoNet: false, "--unavailable-retry-seconds", $"{RetrySeconds}");

    public Task InitializeAsync() => _cluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Writes_and_reads_of_a_record_on_a_hung_mirror_answer_within_the_retry_limit()
    {
        var http = _cluster.Http;
        var hung = _cluster.Mirrors[2];
        // Record grains activate on the silo whose gateway first asks for them (prefer-local placement).
        using (var body = new StringContent("""{"n":1}""", Encoding.UTF8, "application/json"))
        using (var created = await http.PutAsync($"{hung.BaseUrl}/db/hung/doc/h1", body))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string rev = (string)JsonNode.Parse(await http.GetStringAsync($"{_cluster.Mirrors[0].BaseUrl}/db/hung/doc/h1"))!["rev"]!;

        await hung.PauseAsync();
        try
        {
            var clock = Stopwatch.StartNew();
            using (var body = new StringContent($$"""{"n":2,"rev":"{{rev}}"}""", Encoding.UTF8, "application/json"))
            using (var put = await http.PutAsync($"{_cluster.Mirrors[0].BaseUrl}/db/hung/doc/h1", body))
            {
                var took = clock.Elapsed;
                string text = await put.Content.ReadAsStringAsync();
                Assert.True(took < AnswerWithin, $"PUT answered {(int)put.StatusCode} after {took.TotalSeconds:F1} s (limit {RetrySeconds} s): {text}");
                AssertRecordOrUnavailable(put, text, HttpStatusCode.Created);
                if (put.StatusCode == HttpStatusCode.ServiceUnavailable)
                    Assert.Contains("may still be applied", (string)JsonNode.Parse(text)!["reason"]!, StringComparison.Ordinal);
            }

            clock.Restart();
            using var get = await http.GetAsync($"{_cluster.Mirrors[1].BaseUrl}/db/hung/doc/h1");
            var readTook = clock.Elapsed;
            string read = await get.Content.ReadAsStringAsync();
            Assert.True(readTook < AnswerWithin, $"GET answered {(int)get.StatusCode} after {readTook.TotalSeconds:F1} s (limit {RetrySeconds} s): {read}");
            AssertRecordOrUnavailable(get, read, HttpStatusCode.OK);
        }
        finally
        {
            await hung.ResumeAsync();
        }
    }

    private static void AssertRecordOrUnavailable(HttpResponseMessage response, string body, HttpStatusCode success)
    {
        if (response.StatusCode == success) return;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("unavailable", (string?)JsonNode.Parse(body)!["error"]);
        Assert.NotNull(response.Headers.RetryAfter);
    }
}
