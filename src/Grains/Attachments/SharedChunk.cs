using System.Buffers;

namespace MyNoSql.Grains.Attachments;

/// <summary>
/// One chunk of an upload, read once into a pooled buffer and shared by the local write and the copies to other silos;
/// the buffer goes back to the pool when the last user releases it. A user that gave up on a call that may still read
/// the buffer (a timeout) abandons it instead, so the pool never hands out bytes a message may still serialize.
/// </summary>
internal sealed class SharedChunk
{
    private readonly byte[] _buffer;
    private int _users;
    private byte[]? _exact;
    private volatile bool _abandoned;

    public SharedChunk(string id, byte[] buffer, int length, int users)
    {
        Id = id;
        _buffer = buffer;
        Length = length;
        _users = users;
    }

    /// <summary>The chunk id (lowercase hex SHA-256 of its bytes).</summary>
    public string Id { get; }

    public int Length { get; }

    /// <summary>The chunk's bytes.</summary>
    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    /// <summary>An array of exactly the chunk's length (the pooled buffer itself when it fits), for a grain call.</summary>
    public byte[] Exact()
    {
        if (_buffer.Length == Length) return _buffer;
        return _exact ??= _buffer.AsSpan(0, Length).ToArray();
    }

    /// <summary>Never return the buffer to the pool (a call that may still read it was abandoned).</summary>
    public void Abandon() => _abandoned = true;

    /// <summary>One user is done with the chunk.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _users) == 0 && !_abandoned) ArrayPool<byte>.Shared.Return(_buffer);
    }
}
