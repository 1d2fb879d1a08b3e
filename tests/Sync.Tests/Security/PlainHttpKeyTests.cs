using MyNoSql.Sync.Tests.Support;

namespace MyNoSql.Sync.Tests.Security;

/// <summary>
/// A peer never sends its API key in the clear off the machine: a plain http:// mirror that is not on loopback stops
/// the round before any request leaves (so nothing is sent to the unroutable test address), with a clear error and
/// the outbox kept.
/// </summary>
public sealed class PlainHttpKeyTests : IDisposable
{
    private readonly TempDirectory _root = new("mynosql-plainhttp-");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task A_key_is_not_sent_over_plain_http_to_a_mirror_off_loopback()
    {
        const string Key = "plain-http-secret-key-0123456789";
        const string Mirror = "http://192.0.2.10:8800"; // TEST-NET-1: never reached, the refusal comes first
        await using var peer = await MyNoSqlDb.OpenAsync("plain", new MyNoSqlOptions
        {
            DataDirectory = _root.Path,
            SyncInterval = Timeout.InfiniteTimeSpan,
            ApiKey = Key,
        });
        await peer.AddPeerAsync(Mirror);
        await peer.SaveDocAsync(Peers.Doc("a", "1"));

        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<CredentialRejectedException>(() => peer.SyncAsync());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4), "the refusal must come before any connection attempt (connect timeout 5 s)");
        Assert.Equal(Mirror, error.Mirror);
        Assert.Contains("not sent over plain http", error.Message, StringComparison.Ordinal);
        Assert.Contains("AllowApiKeyOverPlainHttp", error.Message, StringComparison.Ordinal);
        var status = peer.GetSyncStatus();
        Assert.Equal(1, status.PendingWrites);
        Assert.Contains("not sent over plain http", status.LastError, StringComparison.Ordinal);
        foreach (var text in new[] { error.ToString(), status.ToString() }) Assert.DoesNotContain(Key, text, StringComparison.Ordinal);
    }
}
