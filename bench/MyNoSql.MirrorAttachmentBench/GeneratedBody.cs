namespace MyNoSql.MirrorAttachmentBench;

/// <summary>
/// A generated random body of <c>length</c> bytes, never held whole: slices of a 16 MiB random pool with each MiB stamped
/// with its index (every chunk distinct: no dedup shortcut). Not seekable, like a network body, so it is sent chunked.
/// </summary>
internal sealed class GeneratedBody(long length) : Stream
{
    private const int Pool = 16 << 20;
    private const int Mib = 1 << 20;
    private static readonly byte[] Bytes = MakePool();
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> destination)
    {
        long left = length - _position;
        if (left <= 0 || destination.IsEmpty) return 0;
        long mib = _position / Mib;
        int within = (int)(_position % Mib);
        int n = (int)Math.Min(Math.Min(destination.Length, Mib - within), left);
        Bytes.AsSpan((int)(mib * Mib % Pool) + within, n).CopyTo(destination);
        if (within == 0 && n >= 8) BitConverter.TryWriteBytes(destination, mib); // stamp the MiB index
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private static byte[] MakePool()
    {
        var pool = new byte[Pool];
        new Random(42).NextBytes(pool);
        return pool;
    }
}
