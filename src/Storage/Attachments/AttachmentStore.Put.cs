using System.Buffers;
using System.Security.Cryptography;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Attachments;

internal sealed partial class AttachmentStore
{
    /// <summary>Chunk writes of one put in flight at once (each holds one chunk buffer).</summary>
    private const int WritesInFlight = 4;

    /// <summary>
    /// Stores a body read from <paramref name="body"/> to its end: cut into chunks, each hashed, compressed when it pays
    /// and written (chunks already stored are not written again), made durable a group at a time
    /// (<see cref="ChunkGroups"/>), then the manifest. At most <see cref="WritesInFlight"/> + 1 chunk buffers are in use
    /// (the next chunk read and hashed while earlier ones are written on pool threads).
    /// </summary>
    /// <exception cref="AttachmentTooLargeException">The body is longer than <see cref="AttachmentStoreOptions.MaxAttachmentBytes"/>.</exception>
    public async ValueTask<AttachmentManifest> PutAsync(Stream body, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        long max = _options.MaxAttachmentBytes;
        if (body.CanSeek)
        {
            long remaining;
            try { remaining = body.Length - body.Position; }
            catch (NotSupportedException) { remaining = 0; }
            if (remaining > max) throw new AttachmentTooLargeException(max);
        }
        int size = _options.ChunkSize;
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var ids = new List<string>();
        long total = 0;
        // WritesInFlight chunk writes on pool threads while the next chunk is read and hashed; one more buffer than writes.
        var buffers = new byte[WritesInFlight + 1][];
        var writes = new Queue<Task<string>>(WritesInFlight);
        var chunks = new ChunkGroups(this);
        await using var _ = chunks.ConfigureAwait(false);
        for (int i = 0; i < buffers.Length; i++) buffers[i] = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            for (long index = 0; ; index++)
            {
                // This buffer's previous chunk (index - WritesInFlight - 1) was awaited before the last write started.
                byte[] chunk = buffers[index % buffers.Length];
                int n = await body.ReadAtLeastAsync(chunk.AsMemory(0, size), size, throwOnEndOfStream: false, ct).ConfigureAwait(false);
                if (n == 0) break;
                total += n;
                if (total > max) throw new AttachmentTooLargeException(max);
                whole.AppendData(chunk, 0, n);
                if (writes.Count == WritesInFlight)
                {
                    ids.Add(await writes.Dequeue().ConfigureAwait(false));
                    await chunks.CommitIfFullAsync().ConfigureAwait(false);
                }
                writes.Enqueue(Task.Run(() =>
                {
                    string id = ChunkFile.IdOf(chunk.AsSpan(0, n));
                    chunks.Write(id, chunk.AsSpan(0, n));
                    return id;
                }, ct));
                if (n < size) break;
            }
            while (writes.Count > 0) ids.Add(await writes.Dequeue().ConfigureAwait(false));
            await chunks.CompleteAsync().ConfigureAwait(false);
        }
        finally
        {
            // Never give a buffer back to the pool while a write still reads it.
            while (writes.Count > 0)
            {
                try { await writes.Dequeue().ConfigureAwait(false); }
                catch (Exception) { /* the first error is the one thrown */ }
            }
            foreach (byte[] buffer in buffers) ArrayPool<byte>.Shared.Return(buffer);
        }
        var manifest = new AttachmentManifest(AttachmentStubs.FormatDigest(whole.GetHashAndReset()), total, size, ids);
        await StoreManifestAsync(manifest, ct).ConfigureAwait(false);
        return manifest;
    }

    /// <summary>
    /// Stores one chunk received on its own (sync's chunk PUT, a chunk this mirror pulls for a repair) after checking that its raw
    /// bytes hash to <paramref name="chunkId"/>. It is synced before its rename, not in a group: its acknowledgement is
    /// what a resumed transfer trusts.
    /// </summary>
    /// <exception cref="ArgumentException">Bad id, hash mismatch, or longer than the chunk size.</exception>
    public ValueTask PutChunkAsync(string chunkId, ReadOnlyMemory<byte> raw, CancellationToken ct)
    {
        if (!IsNewChunk(chunkId, raw.Span, ct)) return ValueTask.CompletedTask;
        var pending = WriteChunkTemp(chunkId, raw.Span, sync: _options.Durable);
        try
        {
            MoveIntoPlace(pending);
        }
        catch
        {
            pending.Discard();
            throw;
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Stores one chunk another mirror pushed (an upload's copy, a quorum copy) after the same checks as
    /// <see cref="PutChunkAsync"/>, but without a sync of its own: it is made durable with the next group of received
    /// chunks or by <see cref="CommitStagedAsync"/> for the manifest that names it, and is not visible (<see cref="HasChunk"/>)
    /// before. The sender's manifest call is what tells it the chunk is held (<see cref="StagedChunks"/>). The task may
    /// wait for a group commit when too many chunks are unsynced.
    /// </summary>
    /// <exception cref="ArgumentException">Bad id, hash mismatch, or longer than the chunk size.</exception>
    public Task StageChunkAsync(string chunkId, ReadOnlyMemory<byte> raw, CancellationToken ct) =>
        IsNewChunk(chunkId, raw.Span, ct) ? _staged.Add(chunkId, raw.Span) : Task.CompletedTask;

    /// <summary>Chunks received by <see cref="StageChunkAsync"/> and not yet committed or discarded.</summary>
    internal int StagedCount => _staged.Count;

    /// <summary>Makes the staged chunks among <paramref name="chunkIds"/> durable and visible (before a manifest naming them is checked).</summary>
    /// <exception cref="IOException">Writing or syncing failed; those chunks count as missing.</exception>
    public Task CommitStagedAsync(IReadOnlyList<string> chunkIds)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        return _staged.CommitAsync(chunkIds);
    }

    /// <summary>Checks a chunk received on its own against its id; false when it is stored already (then kept young).</summary>
    private bool IsNewChunk(string chunkId, ReadOnlySpan<byte> raw, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        ChunkPath(chunkId); // checks the id first
        CheckChunkLength(chunkId, raw.Length);
        if (ChunkFile.IdOf(raw) != chunkId) throw new ArgumentException($"Chunk bytes do not hash to {chunkId}.", nameof(raw));
        return !TouchChunk(chunkId);
    }

    /// <summary>The raw bytes of a chunk, checked by CRC and by their SHA-256.</summary>
    /// <exception cref="FileNotFoundException">Not stored.</exception>
    /// <exception cref="CorruptDataException">Damaged (names the file and offset).</exception>
    public ValueTask<byte[]> ReadChunkAsync(string chunkId, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_options.ChunkSize);
        try
        {
            int n = ReadChunk(chunkId, buffer);
            return ValueTask.FromResult(buffer.AsSpan(0, n).ToArray());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads the raw bytes of a chunk into <paramref name="destination"/> (at least the chunk size long), checked by CRC
    /// and by their SHA-256, without allocating; returns their length.
    /// </summary>
    /// <exception cref="FileNotFoundException">Not stored.</exception>
    /// <exception cref="CorruptDataException">Damaged (names the file and offset).</exception>
    public int ReadChunk(string chunkId, Span<byte> destination)
    {
        string path = ChunkPath(chunkId);
        try
        {
            int n = ChunkFile.Read(path, destination[..Math.Max(_options.ChunkSize, 0)]);
            if (ChunkFile.IdOf(destination[..n]) != chunkId) throw new CorruptDataException(path, ChunkFile.HeaderSize, "chunk content does not hash to its name");
            return n;
        }
        catch (DirectoryNotFoundException e)
        {
            throw new FileNotFoundException($"Chunk {chunkId} is not stored.", path, e);
        }
    }

    /// <summary>Keeps a stored chunk young for a manifest about to name it; false when it is not stored.</summary>
    internal bool TouchChunk(string chunkId)
    {
        string path = ChunkPath(chunkId);
        lock (_collectGate) return Touch(path);
    }

    /// <summary>
    /// Writes chunk <paramref name="chunkId"/> to a file with no name yet (or a named temp file where the file system has
    /// none), synced only when <paramref name="sync"/> (a group is synced at once by <see cref="CommitChunks"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Bad id, or longer than the chunk size.</exception>
    internal PendingChunk WriteChunkTemp(string chunkId, ReadOnlySpan<byte> raw, bool sync = false)
    {
        string path = ChunkPath(chunkId);
        CheckChunkLength(chunkId, raw.Length);
        // Nameless files first: a named temp file's create waited ~15 ms whenever a group sync was writing out the temp
        // directory's block (measured: ~0.5 s per GiB put, src/Storage/Attachments/README.md).
        if (_anonymousTemp && FileSync.OpenAnonymous(_temp) is { } handle)
        {
            try
            {
                ChunkFile.Write(handle, raw);
                if (sync) FileSync.DataSync(handle, $"new chunk file {chunkId}");
                return PendingChunk.Anonymous(chunkId, handle);
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }
        _anonymousTemp = false;
        string temp = ChunkFile.TempPath(path, _temp);
        try
        {
            ChunkFile.WriteTemp(temp, raw, sync);
        }
        catch
        {
            ChunkFile.TryDelete(temp);
            throw;
        }
        return PendingChunk.Named(chunkId, temp);
    }

    /// <summary>
    /// Makes chunks written by <see cref="WriteChunkTemp"/> durable — one sync of the file system for a group (a lone
    /// chunk, or where that is not available, a sync per file: syncfs also flushes whatever else is dirty on the file
    /// system) — then names each. On failure every chunk of the group not yet in place is dropped.
    /// </summary>
    internal void CommitChunks(IReadOnlyList<PendingChunk> group)
    {
        try
        {
            if (_options.Durable && (group.Count == 1 || !FileSync.SyncFileSystem(_temp)))
            {
                foreach (var pending in group) pending.Sync();
            }
            foreach (var pending in group) MoveIntoPlace(pending);
        }
        catch
        {
            foreach (var pending in group) pending.Discard();
            throw;
        }
    }

    /// <summary>Names a written chunk (creating its directory), which the next manifest's sync makes durable.</summary>
    private void MoveIntoPlace(PendingChunk pending)
    {
        string dir = ChunkDirectory(pending.Id);
        try
        {
            pending.MoveTo(ChunkPath(pending.Id));
        }
        catch (DirectoryNotFoundException)
        {
            System.IO.Directory.CreateDirectory(dir);
            pending.MoveTo(ChunkPath(pending.Id));
        }
        _dirtyDirectories[dir] = 0;
    }

    private void CheckChunkLength(string chunkId, int length)
    {
        if (length > _options.ChunkSize)
            throw new ArgumentException($"Chunk {chunkId} is {length} bytes; the chunk size is {_options.ChunkSize}.", "raw");
    }
}
