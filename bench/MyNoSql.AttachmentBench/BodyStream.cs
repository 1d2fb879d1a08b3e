namespace MyNoSql.AttachmentBench;

/// <summary>
/// A generated body of <c>length</c> bytes, never held whole: slices of a 16 MiB pool (random bytes, or JSON-like text
/// for the compressible case) with each MiB stamped with its index, so every chunk is distinct (no dedup shortcut).
/// Not seekable, like a network body.
/// </summary>
internal sealed class BodyStream : Stream
{
    private const int Pool = 16 << 20;
    private const int Mib = 1 << 20;
    private readonly byte[] _pool;
    private readonly long _length;
    private long _position;

    public BodyStream(long length, bool compressible, int seed = 42)
    {
        _length = length;
        _pool = new byte[Pool];
        if (compressible)
        {
            var text = new System.Text.StringBuilder(Pool + 256);
            var random = new Random(seed);
            for (int i = 0; text.Length < Pool; i++)
                text.Append("{\"ts\":").Append(1_700_000_000 + i).Append(",\"sensor\":\"s-").Append(random.Next(500))
                    .Append("\",\"temp\":").Append(random.Next(150, 350) / 10.0).Append(",\"ok\":true}\n");
            System.Text.Encoding.ASCII.GetBytes(text.ToString(0, Pool), _pool);
        }
        else
        {
            new Random(seed).NextBytes(_pool);
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> destination)
    {
        long left = _length - _position;
        if (left <= 0 || destination.IsEmpty) return 0;
        long mib = _position / Mib;
        int within = (int)(_position % Mib);
        int n = (int)Math.Min(Math.Min(destination.Length, Mib - within), left);
        int poolAt = (int)(mib * Mib % Pool) + within;
        _pool.AsSpan(poolAt, n).CopyTo(destination);
        // The first 8 bytes of every MiB carry its index: distinct chunks whatever the pool size.
        for (int i = 0; i < n && within + i < 8; i++) destination[i] = (byte)(mib >> (8 * (within + i)));
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(destination.Span));

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
