namespace MyNoSql.Storage.Attachments;

/// <summary>
/// Chunks another mirror pushed one by one (an upload's copies, a quorum copy), kept in files with no name yet
/// (<see cref="PendingChunk"/>) without a sync each until a group of <see cref="ChunkGroups.GroupChunks"/> has gathered
/// (one file-system sync in the background) or the manifest that names them arrives (<see cref="CommitAsync"/>, before
/// the manifest is checked and stored). An fdatasync per received chunk cost every receiving mirror a journal commit per
/// MiB. No chunk is visible under its name before its bytes are durable: a crash leaves nothing of them (or temp files,
/// deleted at the next open), the sender's manifest call then lists those chunks as missing, and it sends them again.
/// Safe for concurrent use.
/// </summary>
internal sealed class StagedChunks(AttachmentStore store)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (PendingChunk Chunk, long StagedAt)> _chunks = new(StringComparer.Ordinal);
    private Task _flushing = Task.CompletedTask;

    /// <summary>Chunks staged now (not yet committed or discarded).</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _chunks.Count;
        }
    }

    /// <summary>
    /// Writes chunk <paramref name="id"/> to a file with no name yet (not when staged already). Once a group has gathered
    /// it starts committing it in the background; the returned task completes at once, or — while twice a group waits
    /// behind a running commit — when that commit ends, so a fast sender cannot pile up unsynced bytes.
    /// </summary>
    public Task Add(string id, ReadOnlySpan<byte> raw)
    {
        lock (_gate)
        {
            if (_chunks.ContainsKey(id)) return Task.CompletedTask;
        }
        var pending = store.WriteChunkTemp(id, raw);
        lock (_gate)
        {
            if (!_chunks.TryAdd(id, (pending, Environment.TickCount64)))
            {
                pending.Discard(); // staged meanwhile by another call
                return Task.CompletedTask;
            }
            if (_chunks.Count < ChunkGroups.GroupChunks) return Task.CompletedTask;
            if (!_flushing.IsCompleted) return _chunks.Count >= 2 * ChunkGroups.GroupChunks ? _flushing : Task.CompletedTask;
            var group = TakeLocked(_chunks.Keys.ToList());
            // A failed group's temp files are deleted; the manifest call reports those chunks missing and they come again.
            _flushing = Task.Run(() =>
            {
                try { store.CommitChunks(group); }
                catch (Exception) { /* reported through the manifest's missing list */ }
            });
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// Makes the staged chunks among <paramref name="ids"/> durable and renames them into place (waiting for a group
    /// commit in progress first, which may hold some of them).
    /// </summary>
    /// <exception cref="IOException">Writing or syncing failed; those chunks are gone and count as missing.</exception>
    public async Task CommitAsync(IReadOnlyList<string> ids)
    {
        Task running;
        List<PendingChunk> group;
        lock (_gate)
        {
            running = _flushing;
            group = TakeLocked(ids);
        }
        await running.ConfigureAwait(false);
        if (group.Count > 0) store.CommitChunks(group);
    }

    /// <summary>Deletes chunks staged longer than <paramref name="age"/> ago (an upload that never sent its manifest); returns how many.</summary>
    public int DiscardOlderThan(TimeSpan age)
    {
        long cutoff = Environment.TickCount64 - (long)age.TotalMilliseconds;
        List<PendingChunk> stale;
        lock (_gate)
        {
            stale = TakeLocked([.. _chunks.Where(c => c.Value.StagedAt <= cutoff).Select(c => c.Key)]);
        }
        foreach (var pending in stale) pending.Discard();
        return stale.Count;
    }

    /// <summary>Waits for a running group commit and deletes every chunk still staged.</summary>
    public async Task DiscardAllAsync()
    {
        Task running;
        lock (_gate) running = _flushing;
        await running.ConfigureAwait(false);
        DiscardOlderThan(TimeSpan.Zero);
    }

    private List<PendingChunk> TakeLocked(IReadOnlyList<string> ids)
    {
        var taken = new List<PendingChunk>();
        foreach (string id in ids)
        {
            if (_chunks.Remove(id, out var staged)) taken.Add(staged.Chunk);
        }
        return taken;
    }
}
