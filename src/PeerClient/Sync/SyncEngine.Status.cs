using MyNoSql.Local;

namespace MyNoSql.Sync;

// The sync status outlives the process: the last round's outcome (last success, mirror used, error) is kept in
// peer.json, so a database opened again (each CLI command is a new process) reports it.
internal sealed partial class SyncEngine
{
    // A round that only moves the success time rewrites peer.json at most this often (idle rounds every few seconds
    // would otherwise each cost an fsync); the exact time is written when the database closes.
    private static readonly TimeSpan StatusResolution = TimeSpan.FromMinutes(1);

    /// <summary>Starts from the status remembered on disk (once, when the database opens).</summary>
    private void LoadStatus(PeerMetadata m)
    {
        lock (_statusGate) (_lastSuccess, _mirrorInUse, _lastError) = (m.LastSyncSuccess, m.LastSyncMirror, m.LastSyncError);
    }

    /// <summary>True when <paramref name="m"/> should be rewritten with the current status: the mirror or the error
    /// changed, or (with <paramref name="exact"/>, or once the stored time is <see cref="StatusResolution"/> old) the
    /// time of the last success.</summary>
    public bool StatusDiffers(PeerMetadata m, bool exact)
    {
        lock (_statusGate)
        {
            if (!string.Equals(m.LastSyncMirror, _mirrorInUse, StringComparison.Ordinal) || !string.Equals(m.LastSyncError, _lastError, StringComparison.Ordinal))
                return true;
            if (_lastSuccess is not { } last || m.LastSyncSuccess == last) return false;
            return exact || m.LastSyncSuccess is not { } stored || last - stored >= StatusResolution;
        }
    }

    /// <summary>Copies the current status into <paramref name="m"/> (inside a metadata update).</summary>
    public void StoreStatus(PeerMetadata m)
    {
        lock (_statusGate) (m.LastSyncSuccess, m.LastSyncMirror, m.LastSyncError) = (_lastSuccess, _mirrorInUse, _lastError);
    }

    /// <summary>After a round: remembers its outcome on disk when it changed. Best effort: the status is a report,
    /// and a disk error here must not turn the round's own outcome into another.</summary>
    private async Task SaveStatusAsync(CancellationToken ct)
    {
        if (!StatusDiffers(_metadata(), exact: false)) return;
        try
        {
            await _update(StoreStatus, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException or OperationCanceledException)
        {
            SyncLog.StatusNotSaved(_log, _store.Name, e.Message);
        }
    }
}
