using System.Text.Json;
using MyNoSql.Pouch.Tests.Support;

namespace MyNoSql.Pouch.Tests;

/// <summary>
/// Every scenario script against pouchdb-server 4.2, the reference: proves the scripts themselves (a script that
/// fails here is wrong, not the mirror). pouchdb-server has no server-side <c>filter=_selector</c>, so the selector
/// half of the filtered scenario runs against the mirrors only, and so does the reserved scenario (it writes records
/// through the mirrors' native routes that no CouchDB can hold).
/// </summary>
[Collection(PouchServerTarget.Name)]
public sealed class PouchServerScenarioTests(PouchServerTarget server)
{
    [Theory]
    [InlineData("push")]
    [InlineData("pull")]
    [InlineData("live")]
    [InlineData("filtered", "--skip-selector")]
    [InlineData("conflicts")]
    [InlineData("attachments")]
    [InlineData("kill")]
    public async Task Scenario_passes_against_pouchdb_server(string scenario, params string[] extra)
    {
        JsonElement result = await server.RunAsync(scenario, ScenarioTarget.NewDb(scenario), extra);
        Assert.True(result.GetProperty("ok").GetBoolean(), NodeScripts.Describe(result) + "\n--- pouchdb-server ---\n" + server.Server.Output);
    }
}
