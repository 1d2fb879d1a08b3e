using System.Net;
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
        Assert.Contains("mynosql_queries", text, StringComparison.Ordinal);
        Assert.Contains($"db=\"{db}\"", text, StringComparison.Ordinal);
        Assert.Contains("mynosql_records", text, StringComparison.Ordinal);
        Assert.Contains("mynosql_disk_bytes", text, StringComparison.Ordinal);
        Assert.Contains("orleans_", text, StringComparison.Ordinal);

        using var dashboard = await fixture.Http.GetAsync($"{fixture.Writable}/dashboard/");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("html", dashboard.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
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
