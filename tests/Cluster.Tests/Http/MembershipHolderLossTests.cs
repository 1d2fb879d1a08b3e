using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Cluster.Tests.Support;

namespace MyNoSql.Cluster.Tests.Http;

/// <summary>
/// Localhost clustering keeps the membership table in the first mirror's memory: two real mirror processes, the
/// primary SIGKILLed, and the second mirror's 503 must name the lost primary and <c>--clustering adonet</c>, the way
/// to survive that loss, instead of a bare "retry".
/// </summary>
public sealed class MembershipHolderLossTests : IAsyncLifetime
{
    // Short retries: with the membership holder gone they cannot succeed, and the 503 is what this test waits for.
    private readonly ProcessCluster _cluster = new(2, adoNet: false, "--unavailable-retry-seconds", "1");

    public Task InitializeAsync() => _cluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task The_503_names_the_lost_primary_and_clustering_adonet()
    {
        var http = _cluster.Http;
        string second = _cluster.Mirrors[1].BaseUrl;
        string primary = $"127.0.0.1:{_cluster.Slots[0].Silo}";
        // Records whose grains (and directory entries) are spread over both mirrors: record grains activate on the silo
        // whose gateway first asks for them (prefer-local placement), so half are saved through each mirror.
        var ids = Enumerable.Range(0, 40).Select(i => $"r{i}").ToList();
        for (int i = 0; i < ids.Count; i++)
        {
            string id = ids[i];
            using var body = new StringContent($"{{\"n\":\"{id}\"}}", Encoding.UTF8, "application/json");
            using var saved = await http.PutAsync($"{(i % 2 == 0 ? _cluster.Mirrors[0].BaseUrl : second)}/db/holder/doc/{id}", body);
            Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        }

        // While the primary is up, reads through the second mirror succeed.
        using (var ok = await http.GetAsync($"{second}/db/holder/doc/r0"))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        await _cluster.Mirrors[0].KillAsync();
        try
        {
            JsonNode? answer = null;
            string? retryAfter = null;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(150);
            for (int n = 0; answer is null; n++)
            {
                Assert.True(DateTime.UtcNow < deadline, $"no 503 from {second} within 150 s of killing the primary:\n{_cluster.Mirrors[1].Output}");
                using var response = await http.GetAsync($"{second}/db/holder/doc/{ids[n % ids.Count]}");
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    answer = JsonNode.Parse(await response.Content.ReadAsStringAsync());
                    retryAfter = response.Headers.RetryAfter?.ToString();
                }
                else
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            Assert.Equal("unavailable", (string?)answer["error"]);
            Assert.False(string.IsNullOrEmpty(retryAfter), "DESIGN §4: every 503 carries Retry-After");
            string reason = (string)answer["reason"]!;
            Assert.Contains(primary, reason, StringComparison.Ordinal);
            Assert.Contains("--clustering adonet", reason, StringComparison.Ordinal);
            Assert.Contains("holds the cluster membership", reason, StringComparison.Ordinal);
        }
        finally
        {
            // Without its membership holder the second mirror cannot leave the cluster gracefully: no 30 s SIGTERM wait.
            await _cluster.Mirrors[1].KillAsync();
        }
    }
}
