using MyNoSql.Local;
using MyNoSql.Sync;

namespace MyNoSql.PeerClient.Tests;

/// <summary>DESIGN §3 GetSyncStatus: the last round's outcome (last success, mirror in use, last error) outlives the
/// process that ran it, as each CLI command is one process.</summary>
public class SyncStatusTests
{
    [Fact]
    public async Task The_last_rounds_outcome_is_remembered_across_reopening()
    {
        using var dir = new TempDir();
        var mirror = new SwitchableMirror();
        var options = dir.Options();
        options.Transports["fake"] = () => mirror;

        DateTimeOffset success;
        await using (var db = await MyNoSqlDb.OpenAsync("remembered", options))
        {
            Assert.Equal((null, null, null), Outcome(db.GetSyncStatus()));
            await db.AddPeerAsync("fake://m1:1");
            await db.SyncAsync();
            var status = db.GetSyncStatus();
            success = status.LastSuccess ?? throw new InvalidOperationException("no success recorded");
            Assert.Equal((success, "fake://m1:1", null), Outcome(status));
        }

        await using (var db = await MyNoSqlDb.OpenAsync("remembered", options))
        {
            Assert.Equal((success, "fake://m1:1", null), Outcome(db.GetSyncStatus())); // the exact time, from the close
            mirror.Down = true;
            var failure = await Assert.ThrowsAsync<MyNoSqlException>(() => db.SyncAsync());
            Assert.Equal((success, "fake://m1:1", failure.Message), Outcome(db.GetSyncStatus()));
            // Written by the round itself, not only at close: a process that dies now still leaves it.
            var onDisk = await PeerMetadata.LoadAsync(Path.Combine(dir.Path, "remembered"), default);
            Assert.Equal(failure.Message, onDisk.LastSyncError);
        }

        await using (var db = await MyNoSqlDb.OpenAsync("remembered", options))
        {
            var status = db.GetSyncStatus();
            Assert.Equal((success, "fake://m1:1"), (status.LastSuccess, status.MirrorInUse));
            Assert.Contains("no mirror could be reached", status.LastError, StringComparison.Ordinal);
            mirror.Down = false;
            await db.SyncAsync();
            Assert.Null(db.GetSyncStatus().LastError);
        }

        await using (var db = await MyNoSqlDb.OpenAsync("remembered", options))
        {
            var status = db.GetSyncStatus();
            Assert.Null(status.LastError);
            Assert.True(status.LastSuccess > success, $"{status.LastSuccess} after {success}");
        }
    }

    private static (DateTimeOffset?, string?, string?) Outcome(SyncStatus s) => (s.LastSuccess, s.MirrorInUse, s.LastError);

    /// <summary>A mirror with no records that can be switched off (every call then fails as an unreachable mirror).</summary>
    private sealed class SwitchableMirror : ISyncTransport
    {
        public bool Down { get; set; }

        private void Check(string mirror)
        {
            if (Down) throw new MirrorUnavailableException($"{mirror}: connection refused");
        }

        public Task<IReadOnlyList<string>> GetMirrorsAsync(string mirror, CancellationToken ct)
        {
            Check(mirror);
            return Task.FromResult<IReadOnlyList<string>>([mirror]);
        }

        public Task<bool> PollAsync(string mirror, string db, string? checkpoint, CancellationToken ct)
        {
            Check(mirror);
            return Task.FromResult(false);
        }

        public Task<ChangesPage> GetChangesAsync(string mirror, string db, string? checkpoint, int limit, IReadOnlyList<string> prefixes, CancellationToken ct)
        {
            Check(mirror);
            return Task.FromResult(new ChangesPage("cp", [], false, null));
        }

        public Task<IReadOnlyList<PushResult>> PushAsync(string mirror, string db, byte[] batch, IReadOnlyList<string> ids, CancellationToken ct) =>
            throw new NotSupportedException();

        public Task<byte[]> FetchAsync(string mirror, string db, IReadOnlyList<string> ids, CancellationToken ct) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
