using System.Security.Cryptography;

namespace MyNoSql.Sync.Tests.Attachments;

/// <summary>
/// A read-only stream of <see cref="Length"/> deterministic, incompressible bytes (xorshift from a seed), never whole in
/// memory: large attachment bodies for tests. <see cref="Digest"/> is the stub digest they must have.
/// </summary>
internal sealed class PatternStream(long length, ulong seed) : Stream
{
    private ulong _state = seed | 1;
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = (int)Math.Min(buffer.Length, length - _position);
        for (int i = 0; i < n; i++)
        {
            // One xorshift step per 8 bytes keeps it fast; the byte index picks the lane.
            if (((_position + i) & 7) == 0)
            {
                _state ^= _state << 13;
                _state ^= _state >> 7;
                _state ^= _state << 17;
            }
            buffer[i] = (byte)(_state >> (int)(((_position + i) & 7) * 8));
        }
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>The <c>sha256-&lt;base64&gt;</c> digest of the whole stream's bytes.</summary>
    public static string Digest(long length, ulong seed) => "sha256-" + Convert.ToBase64String(Hash(new PatternStream(length, seed)));

    /// <summary>SHA-256 of what <paramref name="stream"/> yields, read in 1 MiB pieces.</summary>
    public static byte[] Hash(Stream stream)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[1 << 20];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0) sha.AppendData(buffer, 0, n);
        return sha.GetHashAndReset();
    }

    /// <summary>SHA-256 of what <paramref name="stream"/> yields, read asynchronously.</summary>
    public static async Task<byte[]> HashAsync(Stream stream)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[1 << 20];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0) sha.AppendData(buffer, 0, n);
        return sha.GetHashAndReset();
    }
}
