using System.Buffers;
using System.Security.Cryptography;

namespace MyNoSql.Storage.Attachments;

internal sealed partial class AttachmentStore
{
    /// <summary>
    /// Stores a body read from <paramref name="body"/> to its end: cut into chunks, each hashed, compressed when it pays,
    /// written and fsynced (chunks already stored are not written again), then the manifest. Two chunk buffers are in use
    /// at a time (reading and hashing the next while the previous one is written).
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
        byte[] current = ArrayPool<byte>.Shared.Rent(size);
        byte[] other = ArrayPool<byte>.Shared.Rent(size);
        Task<string>? writing = null;
        try
        {
            while (true)
            {
                int n = await ReadFullAsync(body, current.AsMemory(0, size), ct).ConfigureAwait(false);
                if (n == 0) break;
                total += n;
                if (total > max) throw new AttachmentTooLargeException(max);
                whole.AppendData(current, 0, n);
                if (writing is not null) ids.Add(await writing.ConfigureAwait(false));
                byte[] chunk = current;
                writing = Task.Run(() => WriteChunkIfMissing(chunk, n), ct);
                (current, other) = (other, current);
                if (n < size) break;
            }
            if (writing is not null)
            {
                ids.Add(await writing.ConfigureAwait(false));
                writing = null;
            }
        }
        finally
        {
            if (writing is not null)
            {
                // Never give a buffer back to the pool while a write still reads it.
                try { await writing.ConfigureAwait(false); }
                catch (Exception) { /* the first error is the one thrown */ }
            }
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(other);
        }
        var manifest = new AttachmentManifest(AttachmentStubs.FormatDigest(whole.GetHashAndReset()), total, size, ids);
        await StoreManifestAsync(manifest, ct).ConfigureAwait(false);
        return manifest;
    }

    /// <summary>Stores one chunk received by sync after checking that its raw bytes hash to <paramref name="chunkId"/>.</summary>
    /// <exception cref="ArgumentException">Bad id, hash mismatch, or longer than the chunk size.</exception>
    public ValueTask PutChunkAsync(string chunkId, ReadOnlyMemory<byte> raw, CancellationToken ct)
    {
        string path = ChunkPath(chunkId);
        ct.ThrowIfCancellationRequested();
        if (raw.Length > _options.ChunkSize)
            throw new ArgumentException($"Chunk {chunkId} is {raw.Length} bytes; the chunk size is {_options.ChunkSize}.", nameof(raw));
        if (ChunkFile.IdOf(raw.Span) != chunkId)
            throw new ArgumentException($"Chunk bytes do not hash to {chunkId}.", nameof(raw));
        lock (_collectGate)
        {
            if (Touch(path)) return ValueTask.CompletedTask;
        }
        WriteNew(chunkId, path, raw.Span);
        return ValueTask.CompletedTask;
    }

    /// <summary>The raw bytes of a chunk, checked by CRC and by their SHA-256.</summary>
    /// <exception cref="FileNotFoundException">Not stored.</exception>
    /// <exception cref="CorruptDataException">Damaged (names the file and offset).</exception>
    public ValueTask<byte[]> ReadChunkAsync(string chunkId, CancellationToken ct)
    {
        string path = ChunkPath(chunkId);
        ct.ThrowIfCancellationRequested();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_options.ChunkSize);
        try
        {
            int n = ChunkFile.Read(path, buffer.AsSpan(0, Math.Max(_options.ChunkSize, 0)));
            var raw = buffer.AsSpan(0, n);
            if (ChunkFile.IdOf(raw) != chunkId) throw new CorruptDataException(path, ChunkFile.HeaderSize, "chunk content does not hash to its name");
            return ValueTask.FromResult(raw.ToArray());
        }
        catch (DirectoryNotFoundException e)
        {
            throw new FileNotFoundException($"Chunk {chunkId} is not stored.", path, e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private string WriteChunkIfMissing(byte[] buffer, int length)
    {
        var raw = buffer.AsSpan(0, length);
        string id = ChunkFile.IdOf(raw);
        string path = ChunkPath(id);
        lock (_collectGate)
        {
            // Already stored (the same bytes in another body or an earlier put): keep it young for the manifest.
            if (Touch(path)) return id;
        }
        WriteNew(id, path, raw);
        return id;
    }

    private void WriteNew(string id, string path, ReadOnlySpan<byte> raw)
    {
        string dir = ChunkDirectory(id);
        try
        {
            ChunkFile.Write(path, _temp, raw, _options.Durable);
        }
        catch (DirectoryNotFoundException)
        {
            System.IO.Directory.CreateDirectory(dir);
            ChunkFile.Write(path, _temp, raw, _options.Durable);
        }
        _dirtyDirectories[dir] = 0;
    }

    private static async ValueTask<int> ReadFullAsync(Stream stream, Memory<byte> buffer, CancellationToken ct)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer[done..], ct).ConfigureAwait(false);
            if (n == 0) break;
            done += n;
        }
        return done;
    }
}
