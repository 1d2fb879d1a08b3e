namespace MyNoSql.Cli.Commands;

/// <summary>
/// An import source read once, front to back, as a pipe, a FIFO or stdin must be (they cannot seek): the bytes read to
/// find the format are given out again first, and <see cref="Position"/> counts the bytes read (for progress).
/// </summary>
internal sealed class ForwardStream(Stream inner) : Stream
{
    private byte[] _peeked = [];
    private int _peekedAt;
    private long _position;

    /// <summary>The first byte that is neither whitespace nor part of a UTF-8 BOM (-1 at the end), read without
    /// consuming anything: reading starts again from the first byte.</summary>
    public async Task<int> PeekFirstSignificantByteAsync(CancellationToken ct)
    {
        var buffer = new byte[4096];
        int length = 0;
        while (true)
        {
            if (length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2); // a long run of blank lines
            int n = await inner.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
            int start = length;
            length += n;
            for (int i = start; i < length; i++)
            {
                if (buffer[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF) continue;
                _peeked = buffer[..length];
                return buffer[i];
            }
            if (n == 0)
            {
                _peeked = buffer[..length];
                return -1;
            }
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = TakePeeked(buffer);
        if (n == 0) n = inner.Read(buffer);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = TakePeeked(buffer.Span);
        if (n == 0) n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        _position += n;
        return n;
    }

    private int TakePeeked(Span<byte> buffer)
    {
        int n = Math.Min(buffer.Length, _peeked.Length - _peekedAt);
        if (n <= 0) return 0;
        _peeked.AsSpan(_peekedAt, n).CopyTo(buffer);
        _peekedAt += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
