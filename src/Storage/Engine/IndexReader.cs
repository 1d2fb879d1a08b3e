namespace MyNoSql.Storage.Engine;

/// <summary>
/// A refillable window over a decompressing stream, so a segment index of a million records is parsed in a few
/// hundred KiB instead of materialising its raw bytes (tens of MB of short-lived large objects at open).
/// </summary>
internal sealed class IndexReader(Stream source)
{
    private byte[] _buffer = new byte[256 << 10];
    private int _start;
    private int _end;
    private bool _eof;

    /// <summary>Bytes consumed so far.</summary>
    public long Consumed { get; private set; }

    /// <summary>The buffered bytes, after trying to make at least <paramref name="wanted"/> available.</summary>
    public ReadOnlySpan<byte> Peek(int wanted)
    {
        if (_end - _start < wanted && !_eof)
        {
            if (wanted > _buffer.Length) Array.Resize(ref _buffer, wanted);
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
            while (_end < wanted)
            {
                int read = source.Read(_buffer, _end, _buffer.Length - _end);
                if (read == 0)
                {
                    _eof = true;
                    break;
                }
                _end += read;
            }
        }
        return _buffer.AsSpan(_start, _end - _start);
    }

    public void Advance(int count)
    {
        _start += count;
        Consumed += count;
    }

    /// <summary>True when the source has nothing left.</summary>
    public bool AtEnd => Peek(1).IsEmpty;
}
