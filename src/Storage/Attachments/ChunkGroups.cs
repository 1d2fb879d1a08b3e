namespace MyNoSql.Storage.Attachments;

/// <summary>
/// The new chunks of one body being stored (a put on a peer, an upload a mirror cuts): each is written to a file with no
/// name yet (<see cref="PendingChunk"/>) with no sync of its own, and they are made durable a group at a time — one
/// file-system sync per group of at least <see cref="GroupChunks"/> chunks, then each named
/// (<see cref="AttachmentStore.CommitChunks"/>). An fdatasync per chunk cost a journal commit each and held a put to
/// ~0.55× the disk's sequential rate. Nothing is visible under a chunk's name before its bytes are durable, so a crash
/// leaves nothing of them (or temp files where the file system has no nameless files, deleted at the next open). One
/// group is committed while the next fills; <see cref="CompleteAsync"/> returns once every chunk is in place, before the
/// caller writes the manifest. <see cref="Write"/> may run on several threads; the rest is for one caller.
/// </summary>
internal sealed class ChunkGroups(AttachmentStore store) : IAsyncDisposable
{
    /// <summary>Chunks per durable group (32 MiB of 1 MiB chunks: the dirty bytes a put has outstanding stay bounded).</summary>
    public const int GroupChunks = 32;

    private readonly Lock _gate = new();
    private List<PendingChunk> _filling = [];
    private Task _committing = Task.CompletedTask;

    /// <summary>Stores chunk <paramref name="id"/> (raw bytes that hash to it) unless it is stored already.</summary>
    /// <exception cref="ArgumentException">Longer than the chunk size.</exception>
    public void Write(string id, ReadOnlySpan<byte> raw)
    {
        if (store.TouchChunk(id)) return;
        var pending = store.WriteChunkTemp(id, raw);
        lock (_gate) _filling.Add(pending);
    }

    /// <summary>Once a group is full, waits for the group before it, then starts committing this one.</summary>
    public async ValueTask CommitIfFullAsync()
    {
        lock (_gate)
        {
            if (_filling.Count < GroupChunks) return;
        }
        // Before the group is taken: if the commit before it failed, this group stays for DisposeAsync to delete.
        await _committing.ConfigureAwait(false);
        List<PendingChunk> group;
        lock (_gate)
        {
            group = _filling;
            _filling = [];
        }
        _committing = Task.Run(() => store.CommitChunks(group));
    }

    /// <summary>Commits whatever is written and waits until every chunk is durable and in place.</summary>
    public async Task CompleteAsync()
    {
        await _committing.ConfigureAwait(false);
        List<PendingChunk> rest;
        lock (_gate)
        {
            rest = _filling;
            _filling = [];
        }
        if (rest.Count > 0) await Task.Run(() => store.CommitChunks(rest)).ConfigureAwait(false);
    }

    /// <summary>After a failure: waits for a running commit and deletes the temp files of chunks never committed.</summary>
    public async ValueTask DisposeAsync()
    {
        await _committing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_gate)
        {
            foreach (var pending in _filling) pending.Discard();
            _filling = [];
        }
    }
}
