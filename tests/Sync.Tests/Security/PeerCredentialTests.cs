using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Sync.Tests.Support;

namespace MyNoSql.Sync.Tests.Security;

/// <summary>Real peers syncing over HTTPS with an API key: the round trip, a rejected key, a key revoked mid-round.</summary>
[Collection(SecureMirrorCollection.Name)]
public sealed class PeerCredentialTests(SecureMirrorFixture mirror) : IAsyncLifetime
{
    private readonly TempDirectory _root = new("mynosql-secure-peers-");
    private readonly List<MyNoSqlDb> _open = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var peer in _open) await peer.DisposeAsync();
        _root.Dispose();
    }

    private async Task<MyNoSqlDb> OpenAsync(string db, string? key, bool trust = true, IProgress<SyncProgress>? progress = null)
    {
        var options = new MyNoSqlOptions
        {
            DataDirectory = Path.Combine(_root.Path, $"peer-{_open.Count}"),
            SyncInterval = Timeout.InfiniteTimeSpan,
            ApiKey = key,
            SyncProgress = progress,
        };
        if (trust) options.TrustedCertificates.Add(mirror.Certificate.Public);
        var peer = await MyNoSqlDb.OpenAsync(db, options);
        _open.Add(peer);
        return peer;
    }

    [Fact]
    public async Task Two_peers_sync_over_https_with_a_self_signed_certificate_and_a_key()
    {
        var writer = await OpenAsync("tls", SecureMirrorFixture.Syncer);
        await writer.AddPeerAsync(mirror.Url);
        Assert.Equal(new[] { mirror.Url }, writer.GetSyncStatus().Mirrors); // /mirrors advertises https://
        var saved = await writer.SaveDocAsync(Peers.Doc("over/tls", "secret text"));
        await writer.SyncAsync();
        Assert.Equal(0, writer.GetSyncStatus().PendingWrites);

        var reader = await OpenAsync("tls", SecureMirrorFixture.Syncer);
        await reader.SetModeAsync(DbMode.Mirror);
        await reader.AddPeerAsync(mirror.Url);
        await reader.SyncAsync();
        var read = await reader.ReadDocAsync("over/tls");
        Assert.Equal((string)saved["rev"]!, (string)read!["rev"]!);

        // Without trusting the certificate the mirror is unreachable (a TLS error), not a credential problem.
        var untrusting = await OpenAsync("tls", SecureMirrorFixture.Syncer, trust: false);
        await untrusting.AddPeerAsync(mirror.Url);
        var error = await Assert.ThrowsAsync<MyNoSqlException>(() => untrusting.SyncAsync());
        Assert.IsNotType<CredentialRejectedException>(error);
        Assert.Contains("SSL", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_missing_or_insufficient_key_stops_the_round_with_a_clear_error_and_keeps_the_outbox()
    {
        var noKey = await OpenAsync("alpha", key: null);
        await noKey.AddPeerAsync(mirror.Url);
        await noKey.SaveDocAsync(Peers.Doc("a", "1"));
        var error = await Assert.ThrowsAsync<CredentialRejectedException>(() => noKey.SyncAsync());
        Assert.Equal(401, error.StatusCode);
        Assert.Equal(mirror.Url, error.Mirror);
        var status = noKey.GetSyncStatus();
        Assert.Equal(1, status.PendingWrites);
        Assert.Null(status.LastSuccess);
        Assert.Contains($"credential rejected by {mirror.Url} (401", status.LastError, StringComparison.Ordinal);
        Assert.Contains("Database 'alpha'", status.LastError, StringComparison.Ordinal);

        var reader = await OpenAsync("alpha", SecureMirrorFixture.Reader);
        await reader.AddPeerAsync(mirror.Url);
        await reader.SaveDocAsync(Peers.Doc("b", "2"));
        var forbidden = await Assert.ThrowsAsync<CredentialRejectedException>(() => reader.SyncAsync());
        Assert.Equal(403, forbidden.StatusCode);
        Assert.Contains("needs write rights on database 'alpha'", forbidden.Message, StringComparison.Ordinal);
        Assert.Equal(1, reader.GetSyncStatus().PendingWrites);
        foreach (var text in new[] { forbidden.Message, forbidden.ToString(), reader.GetSyncStatus().LastError!, reader.GetSyncStatus().ToString() })
            Assert.DoesNotContain(SecureMirrorFixture.Reader, text, StringComparison.Ordinal);
        var options = new MyNoSqlOptions { ApiKey = SecureMirrorFixture.Reader };
        Assert.DoesNotContain(SecureMirrorFixture.Reader, options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_revoked_mid_round_stops_it_keeps_the_outbox_and_the_next_round_after_the_fix_completes()
    {
        const int records = 2500; // three push batches of at most 1000
        int reports = 0;
        var progress = new Callback(_ =>
        {
            if (Interlocked.Increment(ref reports) != 1) return;
            // After the first acknowledged batch: revoke, and hold the round until the mirror enforces it.
            mirror.WriteKeys(revokeSyncer: true);
            mirror.WaitForKeyStatusAsync(SecureMirrorFixture.Syncer, HttpStatusCode.Unauthorized).GetAwaiter().GetResult();
        });
        var peer = await OpenAsync("revoke", SecureMirrorFixture.Syncer, progress: progress);
        await peer.AddPeerAsync(mirror.Url);
        await peer.SaveDocsAsync(Enumerable.Range(0, records).Select(i => Peers.Doc($"r/{i:D5}", new string('v', 100))));
        try
        {
            var error = await Assert.ThrowsAsync<CredentialRejectedException>(() => peer.SyncAsync());
            Assert.Equal(401, error.StatusCode);
            var status = peer.GetSyncStatus();
            Assert.Equal(records - 1000, status.PendingWrites); // the first batch was acknowledged, the rest kept
            Assert.Null(status.LastSuccess);                   // never a silent "complete"
            Assert.Contains($"credential rejected by {mirror.Url} (401", status.LastError, StringComparison.Ordinal);
            Assert.Contains("invalid_key", status.LastError, StringComparison.Ordinal);
            Assert.Contains($"{records - 1000} writes stay in the outbox", status.LastError, StringComparison.Ordinal);
            Assert.DoesNotContain(SecureMirrorFixture.Syncer, status.LastError, StringComparison.Ordinal);
        }
        finally
        {
            mirror.WriteKeys(revokeSyncer: false); // the fix
        }
        await mirror.WaitForKeyStatusAsync(SecureMirrorFixture.Syncer, HttpStatusCode.OK, db: "revoke");
        await peer.SyncAsync();
        var fixedStatus = peer.GetSyncStatus();
        Assert.Equal(0, fixedStatus.PendingWrites);
        Assert.Null(fixedStatus.LastError);
        Assert.NotNull(fixedStatus.LastSuccess);
        using var local = await mirror.SendAsync(HttpMethod.Get, "/_mirror/local/revoke", SecureMirrorFixture.Admin);
        Assert.Equal(records, JsonDocument.Parse(await local.Content.ReadAsStringAsync()).RootElement.GetProperty("records").GetInt32());
    }

    [Fact]
    public async Task A_key_from_ApiKeyProvider_can_be_replaced_at_runtime_and_a_malformed_key_is_refused_at_open()
    {
        string current = SecureMirrorFixture.Bogus;
        var options = new MyNoSqlOptions
        {
            DataDirectory = Path.Combine(_root.Path, "provider"),
            SyncInterval = Timeout.InfiniteTimeSpan,
            ApiKeyProvider = _ => ValueTask.FromResult<string?>(Volatile.Read(ref current)),
        };
        options.TrustedCertificates.Add(mirror.Certificate.Public);
        var peer = await MyNoSqlDb.OpenAsync("rotate", options);
        _open.Add(peer);
        await peer.AddPeerAsync(mirror.Url);
        await peer.SaveDocAsync(Peers.Doc("x", "1"));
        var error = await Assert.ThrowsAsync<CredentialRejectedException>(() => peer.SyncAsync());
        Assert.Contains("invalid_key", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(SecureMirrorFixture.Bogus, error.Message, StringComparison.Ordinal);

        Volatile.Write(ref current, SecureMirrorFixture.Syncer); // rotated in the application's secret store
        await peer.SyncAsync();
        Assert.Equal(0, peer.GetSyncStatus().PendingWrites);
        Assert.Null(peer.GetSyncStatus().LastError);

        string malformed = "line\nbreak-" + SecureMirrorFixture.Reader;
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => MyNoSqlDb.OpenAsync("rotate",
            new MyNoSqlOptions { DataDirectory = Path.Combine(_root.Path, "malformed"), ApiKey = malformed }));
        Assert.DoesNotContain(SecureMirrorFixture.Reader, refused.Message, StringComparison.Ordinal);
    }

    private sealed class Callback(Action<SyncProgress> report) : IProgress<SyncProgress>
    {
        public void Report(SyncProgress value) => report(value);
    }
}
