using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using MyNoSql.Pouch.Tests.Support;

namespace MyNoSql.Pouch.Tests;

/// <summary>
/// The real PouchDB 9 replicating with a mirror's <c>/couch/</c> endpoints (DESIGN §10), one scenario per test. The
/// scripts write and read the server side through the other mirror's native routes; each test then checks the
/// outcome again through the native routes of the mirror PouchDB talked to.
/// </summary>
[Collection(MirrorTarget.Name)]
public sealed class MirrorScenarioTests(MirrorTarget mirrors)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Push_from_PouchDB_lands_on_every_mirror()
    {
        string db = ScenarioTarget.NewDb("push");
        var result = await RunOkAsync("push", db);
        foreach (var doc in result.GetProperty("revs").EnumerateObject())
        {
            var record = await NativeAsync(MirrorTarget.CouchMirror, db, doc.Name);
            Assert.Equal(doc.Value.GetString(), record?.GetProperty("rev").GetString());
        }
        foreach (var id in result.GetProperty("deleted").EnumerateArray())
            Assert.Null(await NativeAsync(MirrorTarget.CouchMirror, db, id.GetString()!));
    }

    [Fact]
    public async Task Pull_into_PouchDB_brings_exactly_the_live_records()
    {
        var result = await RunOkAsync("pull", ScenarioTarget.NewDb("pull"));
        Assert.Equal(95, result.GetProperty("local_docs").GetInt32());
    }

    [Fact]
    public async Task Records_with_underscore_fields_and_ids_do_not_stop_a_pull_and_fields_come_back_exactly()
    {
        string db = ScenarioTarget.NewDb("reserved");
        var result = await RunOkAsync("reserved", db);
        Assert.Equal(2, result.GetProperty("pull").GetProperty("docs_written").GetInt32());
        var record = await NativeAsync(MirrorTarget.CouchMirror, db, "fields");
        Assert.Equal(2, record?.GetProperty("x").GetInt32());
        Assert.Equal("zzz", record?.GetProperty("_id").GetString());
        Assert.True(record?.GetProperty("_deleted").GetBoolean());
        Assert.NotNull(await NativeAsync(MirrorTarget.CouchMirror, db, "_under"));
    }

    [Fact]
    public async Task Live_sync_carries_writes_both_ways()
    {
        string db = ScenarioTarget.NewDb("live");
        await RunOkAsync("live", db);
        var record = await NativeAsync(MirrorTarget.CouchMirror, db, "live-from-pouch");
        Assert.Equal("edited in PouchDB", record?.GetProperty("says").GetString());
    }

    [Fact]
    public async Task Filtered_replication_by_doc_ids_and_selector_filters_on_the_server()
    {
        var result = await RunOkAsync("filtered", ScenarioTarget.NewDb("filtered"));
        // Read counts prove the mirror filtered (PouchDB would otherwise read every change): 3 ids of 4 asked,
        // 13 docs of type b, then the one edit that now matches.
        Assert.Equal([3, 13, 1], result.GetProperty("docs_read").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(2, result.GetProperty("docs_written").GetInt32());
    }

    [Fact]
    public async Task Conflicts_made_on_both_sides_converge_to_CouchDBs_winner()
    {
        string db = ScenarioTarget.NewDb("conflicts");
        var result = await RunOkAsync("conflicts", db);
        foreach (var doc in result.GetProperty("docs").EnumerateObject())
        {
            var pouch = doc.Value.GetProperty("pouch");
            var native = await GetJsonAsync($"{mirrors.MirrorUrl(MirrorTarget.CouchMirror)}/db/{db}/conflicts/{doc.Name}");
            Assert.Equal(pouch.GetProperty("winner").GetString(), native.GetProperty("rev").GetString());
            Assert.Equal(pouch.GetProperty("conflicts").EnumerateArray().Select(r => r.GetString()),
                native.GetProperty("conflicts").EnumerateArray().Select(r => r.GetProperty("rev").GetString()).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task Attachments_travel_both_ways_byte_for_byte()
    {
        string db = ScenarioTarget.NewDb("attachments");
        var result = await RunOkAsync("attachments", db);
        foreach (var name in new[] { "hello.txt", "blob.bin" })
        {
            var bytes = await mirrors.Http.GetByteArrayAsync($"{mirrors.MirrorUrl(MirrorTarget.CouchMirror)}/db/{db}/doc/att-pouch/att/{name}");
            Assert.Equal(result.GetProperty("expected").GetProperty(name).GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }
    }

    [Fact]
    public async Task A_mirror_killed_mid_replication_is_retried_until_the_push_completes()
    {
        string db = ScenarioTarget.NewDb("kill");
        var result = await RunOkAsync("kill", db);
        Assert.True(result.GetProperty("retries").GetInt32() > 0, NodeScripts.Describe(result));
        await mirrors.Cluster.WaitForMirrorsAsync(2, Patience);
        // The restarted mirror holds every record (itself or by anti-entropy from the other mirror).
        int count = result.GetProperty("docs").GetInt32();
        var deadline = DateTime.UtcNow + Patience;
        int listed;
        while ((listed = await CountAsync(MirrorTarget.CouchMirror, db, "kill-")) != count && DateTime.UtcNow < deadline)
            await Task.Delay(250);
        Assert.Equal(count, listed);
    }

    private async Task<JsonElement> RunOkAsync(string scenario, string db)
    {
        var result = await mirrors.RunAsync(scenario, db);
        Assert.True(result.GetProperty("ok").GetBoolean(), NodeScripts.Describe(result));
        return result;
    }

    private async Task<JsonElement?> NativeAsync(int mirror, string db, string id)
    {
        using var response = await mirrors.Http.GetAsync($"{mirrors.MirrorUrl(mirror)}/db/{db}/doc/{Uri.EscapeDataString(id)}");
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private async Task<JsonElement> GetJsonAsync(string url) =>
        JsonDocument.Parse(await mirrors.Http.GetStringAsync(url)).RootElement.Clone();

    private async Task<int> CountAsync(int mirror, string db, string prefix)
    {
        int count = 0;
        string? after = null;
        do
        {
            var page = await GetJsonAsync($"{mirrors.MirrorUrl(mirror)}/db/{db}/docs?prefix={prefix}&limit=1000" +
                (after is null ? "" : $"&after={Uri.EscapeDataString(after)}"));
            count += page.GetProperty("ids").GetArrayLength();
            after = page.GetProperty("next").ValueKind == JsonValueKind.String ? page.GetProperty("next").GetString() : null;
        } while (after is not null);
        return count;
    }
}
