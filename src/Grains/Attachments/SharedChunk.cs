namespace MyNoSql.Grains.Attachments;

/// <summary>
/// One chunk of an upload, read once into a <see cref="ChunkBuffers"/> buffer and shared by the local write and the
/// copies to other silos (each copies it into its own message buffer before the call); the buffer goes back to the pool
/// when the last user releases it.
/// </summary>
internal sealed class SharedChunk
{
    private readonly byte[] _buffer;
    private int _users;

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

    /// <summary>One user is done with the chunk.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _users) == 0) ChunkBuffers.Return(_buffer);
    }
}
