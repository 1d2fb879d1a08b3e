using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MyNoSql.Cli.Tests;

/// <summary>sync and status of a local peer (--data) whose mirror is down or never answers: each command is a new
/// process, so what status says comes from disk, and --timeout bounds every wait for the mirror.</summary>
public sealed class PeerSyncTests : IDisposable
{
    private readonly TempDirectory _dir = new("mynosql-cli-sync-");

    private string Data => _dir.Path;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Status_after_a_failed_sync_reports_its_error_from_disk()
    {
        // Once: status said "last_error": null right after "sync" failed with exit 3.
        string down = $"http://127.0.0.1:{FreePorts.Next()}";
        (await CliRun.RunAsync("put", "st", """{"id":"a"}""", "--data", Data)).Expect(0);
        var sync = (await CliRun.RunAsync("sync", "st", "--data", Data, "--mirror", down, "--timeout", "5")).Expect(3);
        Assert.Contains("no mirror could be reached", sync.Err);

        var status = (await CliRun.RunAsync("status", "st", "--data", Data, "--json")).Expect(0);
        Assert.Contains("no mirror could be reached", status.Json["last_error"]!.GetValue<string>());
        Assert.Equal(1, status.Json["pending_writes"]!.GetValue<long>());
        Assert.Null(status.Json["last_success"]);
    }

    [Fact]
    public async Task Timeout_bounds_get_and_sync_of_a_peer_whose_mirror_never_answers()
    {
        // Once: with a mirror that accepts connections and never answers, "get DB missing --data" took 60 s and
        // "sync --timeout 5" 120 s: the peer's own request timeout applied, not --timeout.
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            string url = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
            var clock = Stopwatch.StartNew();
            var sync = (await CliRun.RunAsync("sync", "hang", "--data", Data, "--mirror", url, "--timeout", "1")).Expect(3);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"sync took {clock.Elapsed}: {sync.Err}");

            clock.Restart();
            (await CliRun.RunAsync("get", "hang", "missing", "--data", Data, "--timeout", "1")).Expect(1);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"get took {clock.Elapsed}");
        }
        finally
        {
            silent.Stop();
        }
    }
}
