using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MyNoSql.Grains;

namespace MyNoSql.Cluster.Tests.Http;

/// <summary>The README's "trusted server" example: an ordinary Orleans client using the record grains of running mirrors.</summary>
[Collection(HttpClusterCollection.Name)]
public sealed class TrustedClientTests(HttpClusterFixture fixture)
{
    [Fact]
    public async Task A_trusted_server_uses_the_record_grains_through_an_Orleans_client()
    {
        int[] gatewayPorts = fixture.Cluster.Slots.Select(s => s.Gateway).ToArray();

        // As in the README:
        using var host = new HostBuilder()
            .UseOrleansClient(client => client.UseLocalhostClustering(gatewayPorts, serviceId: "mynosql", clusterId: "mynosql"))
            .Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IClusterClient>();
        var record = grains.GetGrain<IRecordGrain>(RecordKey.For("ledger", "acct/42"));
        SaveReply saved = await record.Save(rev: null, Encoding.UTF8.GetBytes("{\"balance\":100}"));
        DocumentReply? read = await record.Read();

        Assert.Equal(RecordStatus.Ok, saved.Status);
        var json = JsonNode.Parse(read!.Json)!;
        Assert.Equal(100, (int)json["balance"]!);
        // The same record over HTTP on another mirror, and an HTTP update seen by the client.
        var http = JsonNode.Parse(await fixture.Http.GetStringAsync($"{fixture.Url(2)}/db/ledger/doc/acct%2F42"))!;
        Assert.Equal((string)json["rev"]!, (string)http["rev"]!);
        using var body = new StringContent($"{{\"rev\":\"{(string)http["rev"]!}\",\"balance\":90}}", Encoding.UTF8, "application/json");
        using var put = await fixture.Http.PutAsync($"{fixture.Url(1)}/db/ledger/doc/acct%2F42", body);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(90, (int)JsonNode.Parse((await record.Read())!.Json)!["balance"]!);
        await host.StopAsync();
    }
}
