using MyNoSql.Storage.Attachments;

namespace MyNoSql.Grains.Attachments;

/// <summary>
/// A body read from the silos that hold it, chunk by chunk, without storing anything here (under <c>--replicas N</c> a
/// gateway that is not one of the record's holders serves it this way instead of keeping a stray copy). Seekable, so a
/// <c>Range</c> fetches only the chunks it covers; one chunk buffer (pooled) at a time; each chunk checked against its id.
/// </summary>
internal sealed class RemoteAttachmentStream(AttachmentCopies copies, string database, string id, AttachmentManifest manifest) : Stream
{
    private byte[]? _chunk;
    private int _loaded = -1;
    private int _loadedLength;
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => manifest.Length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => manifest.Length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_loaded == int.MinValue, this);
        if (buffer.IsEmpty || _position >= manifest.Length) return 0;
        int index = (int)(_position / manifest.ChunkSize);
        if (_loaded != index)
        {
            _chunk ??= ChunkBuffers.Rent();
            _loaded = -1;
            _loadedLength = await copies.FetchChunkAsync(database, manifest.Chunks[index], _chunk, cancellationToken, keep: false, placementId: id).ConfigureAwait(false);
            if (_loadedLength == 0)
                throw new IOException($"Chunk {manifest.Chunks[index]} of attachment body {manifest.Digest} of record '{id}' in database '{database}' is on no reachable mirror.");
            _loaded = index;
        }
        int offset = (int)(_position - (long)index * manifest.ChunkSize);
        int n = Math.Min(buffer.Length, _loadedLength - offset);
        if (n <= 0) throw new InvalidDataException($"Chunk {index} of attachment body {manifest.Digest} of database '{database}' is shorter than its manifest says.");
        _chunk.AsSpan(offset, n).CopyTo(buffer.Span);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Only the async reads are used (HTTP responses); a synchronous caller blocks on them.
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _chunk is { } chunk)
        {
            _chunk = null;
            ChunkBuffers.Return(chunk);
        }
        _loaded = int.MinValue;
        base.Dispose(disposing);
    }
}
