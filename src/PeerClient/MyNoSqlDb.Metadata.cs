using MyNoSql.Local;

namespace MyNoSql;

// The peer's small remembered state (peer.json: mode, mirrors, checkpoints, policy, last sync outcome).
public sealed partial class MyNoSqlDb
{
    /// <summary>Rounds rewrite an unchanged mirror and error at most once a minute: the next opener gets the exact
    /// time of the last success from here. Best effort, as closing must not fail over a report.</summary>
    private async Task SaveSyncStatusOnCloseAsync()
    {
        if (!_sync.StatusDiffers(_metadata, exact: true)) return;
        try
        {
            await WriteMetadataAsync(_sync.StoreStatus, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private Task UpdateMetadataAsync(Action<PeerMetadata> change, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return WriteMetadataAsync(change, cancellationToken);
    }

    private async Task WriteMetadataAsync(Action<PeerMetadata> change, CancellationToken cancellationToken)
    {
        await _metadataGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var copy = PeerMetadataCopy(_metadata);
            change(copy);
            await copy.SaveAsync(_directory, cancellationToken).ConfigureAwait(false);
            _metadata = copy;
        }
        finally
        {
            _metadataGate.Release();
        }
    }

    private static PeerMetadata PeerMetadataCopy(PeerMetadata m) => new()
    {
        FormatVersion = m.FormatVersion,
        Mode = m.Mode,
        Mirrors = [.. m.Mirrors],
        RemovedMirrors = [.. m.RemovedMirrors],
        MirrorLastSeen = new(m.MirrorLastSeen, StringComparer.OrdinalIgnoreCase),
        SyncCheckpoint = m.SyncCheckpoint,
        SyncCheckpointMirror = m.SyncCheckpointMirror,
        // Every field: a field left out here is silently reset by the next metadata update of any kind.
        SyncCheckpointPrefixes = m.SyncCheckpointPrefixes is null ? null : [.. m.SyncCheckpointPrefixes],
        LastPull = m.LastPull,
        TombstoneHorizonSeconds = m.TombstoneHorizonSeconds,
        ResyncPending = m.ResyncPending,
        MergePolicy = m.MergePolicy is null ? null : new(m.MergePolicy, StringComparer.Ordinal),
        MergePolicyStamp = m.MergePolicyStamp,
        MergePolicyDirty = m.MergePolicyDirty,
        LastSyncSuccess = m.LastSyncSuccess,
        LastSyncMirror = m.LastSyncMirror,
        LastSyncError = m.LastSyncError,
    };
}
