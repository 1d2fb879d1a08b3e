using Microsoft.Win32.SafeHandles;

namespace MyNoSql.Storage.IO;

/// <summary>
/// Read-only stream over [offset, offset + length) of a file handle (positional reads, handle left open) that
/// computes the CRC-32C of everything it returns, so a section can be decoded and verified in one streaming pass.
/// </summary>
internal sealed class FileRangeStream(SafeFileHandle handle, long offset, long length) : Stream
{
    private long _position;
    private uint _crc = ~0u;

    /// <summary>CRC-32C of the bytes read so far.</summary>
    public uint Crc => ~_crc;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset1, int count) => Read(buffer.AsSpan(offset1, count));

    public override int Read(Span<byte> buffer)
    {
        long left = length - _position;
        if (left <= 0 || buffer.IsEmpty) return 0;
        if (buffer.Length > left) buffer = buffer[..(int)left];
        int read = RandomAccess.Read(handle, buffer, offset + _position);
        _crc = IO.Crc.Append(_crc, buffer[..read]);
        _position += read;
        return read;
    }

    public override void Flush() { }
    public override long Seek(long offset1, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset1, int count) => throw new NotSupportedException();
}
