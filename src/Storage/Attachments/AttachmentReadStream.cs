using System.Buffers;

namespace MyNoSql.Storage.Attachments;

/// <summary>
/// A seekable read-only view of a stored body: one chunk (pooled buffer) in memory at a time, each chunk checked by its
/// CRC when loaded. A chunk the collector removed meanwhile surfaces as <see cref="FileNotFoundException"/>.
/// </summary>
internal sealed class AttachmentReadStream : Stream
{
    private readonly AttachmentStore _store;
    private readonly AttachmentManifest _manifest;
    private byte[]? _buffer;
    private int _loaded = -1;
    private int _loadedLength;
    private long _position;

    public AttachmentReadStream(AttachmentStore store, AttachmentManifest manifest)
    {
        _store = store;
        _manifest = manifest;
        _buffer = ArrayPool<byte>.Shared.Rent(manifest.ChunkSize);
    }

    /// <summary>The body's digest.</summary>
    public string Digest => _manifest.Digest;

    public override bool CanRead => _buffer is not null;
    public override bool CanSeek => _buffer is not null;
    public override bool CanWrite => false;
    public override long Length => _manifest.Length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> destination)
    {
        byte[] chunk = _buffer ?? throw new ObjectDisposedException(nameof(AttachmentReadStream));
        if (destination.IsEmpty || _position >= _manifest.Length) return 0;
        int index = (int)(_position / _manifest.ChunkSize);
        int within = (int)(_position % _manifest.ChunkSize);
        if (index != _loaded) Load(index, chunk);
        int n = Math.Min(destination.Length, _loadedLength - within);
        chunk.AsSpan(within, n).CopyTo(destination);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(destination.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void Load(int index, byte[] chunk)
    {
        string id = _manifest.Chunks[index];
        string path = _store.ChunkPath(id);
        long expected = Math.Min(_manifest.ChunkSize, _manifest.Length - (long)index * _manifest.ChunkSize);
        int n;
        try
        {
            n = ChunkFile.Read(path, chunk.AsSpan(0, _manifest.ChunkSize));
        }
        catch (DirectoryNotFoundException e)
        {
            throw new FileNotFoundException($"Chunk {id} of body {_manifest.Digest} is not stored.", path, e);
        }
        if (n != expected)
            throw new CorruptDataException(path, 0, $"chunk {index} of body {_manifest.Digest} holds {n} bytes, the manifest implies {expected}");
        _loaded = index;
        _loadedLength = n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _manifest.Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
        _position = target;
        return target;
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        byte[]? chunk = Interlocked.Exchange(ref _buffer, null);
        if (chunk is not null) ArrayPool<byte>.Shared.Return(chunk);
        base.Dispose(disposing);
    }
}
