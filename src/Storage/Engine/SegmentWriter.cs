using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// Writes one segment file (see <see cref="SegmentFormat"/>). Records must be added in ordinal key order; they are
/// packed into blocks in that order, so neighbouring keys share blocks (prefix scans touch few blocks) and the index
/// needs no slot numbers. Written to a temp name and renamed only when complete and synced.
/// </summary>
internal sealed class SegmentWriter : IDisposable
{
    private readonly string _path;
    private readonly string _tempPath;
    private readonly StoreOptions _options;
    private readonly FileStream _file;
    private readonly ArrayBufferWriter<byte> _index = new(64 << 10);
    private readonly ArrayBufferWriter<byte> _payloads = new(64 << 10);
    private readonly List<int> _slotLengths = [];
    private readonly List<long> _blockSizes = [];
    private readonly MemoryStream _compressed = new();
    private byte[] _brotliOutput = [];
    private byte[] _previousKey = new byte[256];
    private int _previousKeyLength;
    private int _recordCount;
    private long _payloadBytes;
    private int _lastIndexedBlock;
    private bool _finished;
    private readonly byte _version;
    private int _derivedCount;

    public SegmentWriter(string path, StoreOptions options)
    {
        _path = path;
        _tempPath = path + ".tmp";
        _options = options;
        _version = SegmentFormat.VersionFor(options.BlockCodec, options.OmitDerivedRevisions);
        _file = new FileStream(_tempPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Span<byte> header = stackalloc byte[SegmentFormat.HeaderSize];
        SegmentFormat.WriteHeader(header, options.BlockCodec, _version);
        _file.Write(header);
    }

    public int RecordCount => _recordCount;

    /// <summary>Records whose revision hash was left out (version 4; recomputed from the payload at open).</summary>
    public int DerivedCount => _derivedCount;

    /// <summary>Adds a record; returns its block and slot.</summary>
    public (int Block, int Slot) Add(ReadOnlySpan<byte> key, Revision revision, RecordFlags flags, ulong lsn, ReadOnlySpan<byte> payload)
    {
        if (_slotLengths.Count > 0 && _payloads.WrittenCount + payload.Length > TargetBlockSize())
            FlushBlock();
        int block = _blockSizes.Count;
        int slot = _slotLengths.Count;
        _slotLengths.Add(payload.Length);
        _payloads.Write(payload);
        _payloadBytes += payload.Length;
        bool derived = _version >= SegmentFormat.Version && !revision.IsEmpty &&
                       DerivedRevision.TryCompute(payload, out var computed) && computed == revision;
        if (derived) _derivedCount++;
        AppendIndex(key, revision, flags, lsn, block, derived);
        _recordCount++;
        return (block, slot);
    }

    /// <summary>Block size for the records seen so far (<see cref="StoreOptions.RecordsPerBlock"/>): the running average
    /// payload times the records per block, clamped. Readers need no size: each block header carries its raw length.</summary>
    private int TargetBlockSize()
    {
        if (_options.RecordsPerBlock == 0 || _recordCount == 0) return _options.BlockSize;
        long target = _payloadBytes / _recordCount * _options.RecordsPerBlock;
        return (int)Math.Clamp(target, Math.Min(_options.MinBlockSize, _options.BlockSize), _options.BlockSize);
    }

    private void AppendIndex(ReadOnlySpan<byte> keyBytes, Revision revision, RecordFlags flags, ulong lsn, int block, bool derived)
    {
        int shared = keyBytes.CommonPrefixLength(_previousKey.AsSpan(0, _previousKeyLength));
        VarInt.Write(_index, (ulong)shared);
        VarInt.Write(_index, (ulong)(keyBytes.Length - shared));
        _index.Write(keyBytes[shared..]);
        VarInt.Write(_index, (ulong)(uint)revision.Generation);
        byte stored = (byte)(flags & ~DirectoryEntry.FlagsOverride);
        if (_version >= SegmentFormat.Version)
        {
            // Version 4: flags first, so a reader knows whether the hash follows.
            if ((stored & SegmentFormat.DerivedRevisionFlag) != 0)
                throw new InvalidOperationException($"Record flags {stored:X2} use the segment's derived-revision bit.");
            _index.GetSpan(1)[0] = derived ? (byte)(stored | SegmentFormat.DerivedRevisionFlag) : stored;
            _index.Advance(1);
            if (!derived) WriteHash(revision);
        }
        else
        {
            WriteHash(revision);
            _index.GetSpan(1)[0] = stored;
            _index.Advance(1);
        }
        VarInt.Write(_index, lsn);
        VarInt.Write(_index, (ulong)(block - _lastIndexedBlock));
        _lastIndexedBlock = block;
        if (_previousKey.Length < keyBytes.Length) _previousKey = new byte[Math.Max(keyBytes.Length, 2 * _previousKey.Length)];
        keyBytes.CopyTo(_previousKey);
        _previousKeyLength = keyBytes.Length;
    }

    private void WriteHash(Revision revision)
    {
        Span<byte> rev = stackalloc byte[Revision.EncodedSize];
        revision.WriteTo(rev);
        _index.Write(rev[4..]);
    }

    private void FlushBlock()
    {
        if (_slotLengths.Count == 0) return;
        var raw = new ArrayBufferWriter<byte>(_payloads.WrittenCount + 5 * (_slotLengths.Count + 1));
        VarInt.Write(raw, (ulong)_slotLengths.Count);
        foreach (int length in _slotLengths) VarInt.Write(raw, (ulong)length);
        raw.Write(_payloads.WrittenSpan);

        Span<byte> header = stackalloc byte[SegmentFormat.BlockHeaderSize];
        ReadOnlySpan<byte> data;
        if (_options.BlockCodec == BlockCodec.Brotli)
        {
            int length = BrotliBlockCodec.Compress(raw.WrittenSpan, ref _brotliOutput, _options.BrotliQuality, header[12..]);
            data = _brotliOutput.AsSpan(0, length);
        }
        else
        {
            _compressed.SetLength(0);
            byte[] props = LzmaBlockCodec.Compress(raw.WrittenSpan, _compressed, _options.LzmaDictionarySize, _options.LzmaFastBytes);
            if (props.Length != LzmaBlockCodec.PropertiesSize)
                throw new InvalidOperationException($"Unexpected LZMA property size {props.Length}.");
            props.CopyTo(header[12..]);
            data = _compressed.GetBuffer().AsSpan(0, (int)_compressed.Length);
        }
        BinaryPrimitives.WriteInt32LittleEndian(header, data.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], raw.WrittenCount);
        uint crc = SegmentFormat.BlockCrc(_version, _blockSizes.Count, header[12..], data);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], crc);
        _file.Write(header);
        _file.Write(data);
        _blockSizes.Add(header.Length + data.Length);

        _slotLengths.Clear();
        _payloads.ResetWrittenCount();
    }

    /// <summary>Completes the file (index, footer, fsync, rename, directory fsync); returns its size in bytes.</summary>
    public long Finish()
    {
        FlushBlock();
        var head = new ArrayBufferWriter<byte>(16 + 4 * _blockSizes.Count);
        VarInt.Write(head, (ulong)_blockSizes.Count);
        foreach (long size in _blockSizes) VarInt.Write(head, (ulong)size);
        VarInt.Write(head, (ulong)_recordCount);
        byte[] rawIndex = new byte[head.WrittenCount + _index.WrittenCount];
        head.WrittenSpan.CopyTo(rawIndex);
        _index.WrittenSpan.CopyTo(rawIndex.AsSpan(head.WrittenCount));

        byte[] compressed = new byte[BrotliEncoder.GetMaxCompressedLength(rawIndex.Length)];
        if (!BrotliEncoder.TryCompress(rawIndex, compressed, out int written, SegmentFormat.BrotliQuality, SegmentFormat.BrotliWindow))
            throw new InvalidOperationException("Brotli failed to compress a segment index.");
        long indexOffset = _file.Position;
        _file.Write(compressed, 0, written);
        Span<byte> footer = stackalloc byte[SegmentFormat.FooterSize];
        SegmentFormat.WriteFooter(footer, new SegmentFormat.Footer(indexOffset, written, rawIndex.Length,
            Crc.Compute(compressed.AsSpan(0, written)), _recordCount, _blockSizes.Count), _version);
        _file.Write(footer);
        _file.Flush(flushToDisk: true);
        long length = _file.Length;
        _file.Dispose();
        File.Move(_tempPath, _path, overwrite: true);
        FileSync.SyncDirectory(Path.GetDirectoryName(_path)!);
        _finished = true;
        return length;
    }

    public void Dispose()
    {
        _file.Dispose();
        if (!_finished)
        {
            try { File.Delete(_tempPath); }
            catch (IOException) { /* a leftover temp file is removed at the next open */ }
        }
    }
}
