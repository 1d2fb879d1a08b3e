using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using Microsoft.Win32.SafeHandles;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Engine;

/// <summary>Receives one record of a segment index while the segment opens.</summary>
internal delegate void SegmentIndexVisitor(ReadOnlySpan<byte> key, Revision revision, RecordFlags flags, ulong lsn, int block, int slot);

/// <summary>
/// An open segment file. Opening reads only the footer and the Brotli index (no block is decompressed); blocks are
/// read and verified on demand. Reference counted so a compaction can retire the file while readers finish.
/// </summary>
internal sealed class SegmentReader
{

    private readonly SharedFileHandle _shared;
    private readonly long[] _blockOffsets; // block i spans [_blockOffsets[i], _blockOffsets[i + 1])
    private int _live;

    private readonly byte _version;
    private readonly BlockCodec _codec;

    private SegmentReader(string path, int number, SafeFileHandle handle, long[] blockOffsets, int recordCount, long length, byte version, BlockCodec codec)
    {
        _version = version;
        _codec = codec;
        Path = path;
        Number = number;
        _shared = new SharedFileHandle(handle);
        _blockOffsets = blockOffsets;
        RecordCount = recordCount;
        FileLength = length;
    }

    public string Path { get; }
    public int Number { get; }
    public int RecordCount { get; }
    public long FileLength { get; }
    public int BlockCount => _blockOffsets.Length - 1;

    /// <summary>How this file's blocks are compressed (from its header).</summary>
    public BlockCodec Codec => _codec;

    /// <summary>Byte offset of <paramref name="block"/> in the file (for error messages).</summary>
    public long BlockOffset(int block) => _blockOffsets[block];

    /// <summary>Identifies this file in the shared block cache (unique per process, never reused).</summary>
    public long CacheId { get; } = BlockCache.NewCacheId();

    /// <summary>Directory entries pointing into this segment; below half of <see cref="RecordCount"/> it gets rewritten.</summary>
    public int LiveCount => Volatile.Read(ref _live);

    public void AddLive(int delta) => Interlocked.Add(ref _live, delta);

    public bool TryAcquire() => _shared.TryAcquire();

    public void Release() => _shared.Release();

    /// <summary>Drops the shard's reference; the handle closes after the last reader.</summary>
    public void Retire() => _shared.Retire();

    /// <summary>Record count from the footer alone (presizes the directory before the indexes load); 0 if unreadable.</summary>
    public static int PeekRecordCount(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
            long length = RandomAccess.GetLength(handle);
            if (length < SegmentFormat.HeaderSize + SegmentFormat.FooterSize) return 0;
            Span<byte> footer = stackalloc byte[SegmentFormat.FooterSize];
            ReadExactly(handle, footer, length - SegmentFormat.FooterSize, path);
            return SegmentFormat.ReadFooter(footer, path, length - SegmentFormat.FooterSize, length).RecordCount;
        }
        catch (Exception e) when (e is IOException or CorruptDataException)
        {
            return 0; // Open reports it properly
        }
    }

    /// <summary>Opens a segment and hands every index record to <paramref name="visitor"/>. Revisions left out of a
    /// version-4 index are recomputed from their blocks (each such block decoded once) unless
    /// <paramref name="deriveRevisions"/> is false (the visitor then gets them with generation only and no hash: for
    /// callers that ignore revisions, like the seal that just wrote the file).</summary>
    public static SegmentReader Open(string path, int number, SegmentIndexVisitor visitor, bool deriveRevisions = true)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        try
        {
            long length = RandomAccess.GetLength(handle);
            if (length < SegmentFormat.HeaderSize + SegmentFormat.FooterSize)
                throw new CorruptDataException(path, 0, $"segment file is only {length} bytes (truncated)");
            Span<byte> header = stackalloc byte[SegmentFormat.HeaderSize];
            ReadExactly(handle, header, 0, path);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != SegmentFormat.HeaderMagic || !SegmentFormat.IsSupported(header[4]))
                throw new CorruptDataException(path, 0, "not a segment file of a supported version");
            var codec = SegmentFormat.CodecOf(header);
            if (codec is not (BlockCodec.Lzma or BlockCodec.Brotli))
                throw new CorruptDataException(path, 5, $"unsupported segment codec {(byte)codec}");
            Span<byte> footerBytes = stackalloc byte[SegmentFormat.FooterSize];
            long footerOffset = length - SegmentFormat.FooterSize;
            ReadExactly(handle, footerBytes, footerOffset, path);
            var footer = SegmentFormat.ReadFooter(footerBytes, path, footerOffset, length);

            var section = new FileRangeStream(handle, footer.IndexOffset, footer.IndexLength);
            long[] offsets;
            try
            {
                using var brotli = new BrotliStream(section, CompressionMode.Decompress, leaveOpen: true);
                var reader = new IndexReader(brotli);
                var blocks = new SegmentBlockSource(handle, path, header[4], codec);
                offsets = ParseIndex(reader, footer, blocks, visitor, deriveRevisions);
                if (reader.Consumed != footer.IndexRawLength || !reader.AtEnd)
                    throw new CorruptDataException(path, footer.IndexOffset, "segment index length mismatch");
            }
            // BrotliStream reports damaged input as InvalidOperationException ("Decoder ran into invalid data").
            catch (Exception e) when (e is InvalidDataException or InvalidOperationException or IOException)
            {
                throw new CorruptDataException(path, footer.IndexOffset, "segment index does not decompress", e);
            }
            // Streamed: the crc is known only at the end. A mismatch fails the whole open, so the entries already
            // handed to the visitor are never used.
            if (section.Position != footer.IndexLength || section.Crc != footer.IndexCrc)
                throw new CorruptDataException(path, footer.IndexOffset, "segment index checksum mismatch");
            return new SegmentReader(path, number, handle, offsets, footer.RecordCount, length, header[4], codec);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    // Upper bound of one encoded index record: varints, a key of at most 65,535 bytes, hash, flags.
    private const int MaxRecordBytes = 5 * 10 + ushort.MaxValue + Revision.HashSize + 1;

    private static long[] ParseIndex(IndexReader reader, SegmentFormat.Footer footer, SegmentBlockSource blocks, SegmentIndexVisitor visitor, bool deriveRevisions)
    {
        string path = blocks.Path;
        CorruptDataException Bad(string what) => new(path, footer.IndexOffset, "segment index: " + what);
        ulong ReadHeaderVarint(string what)
        {
            int pos = 0;
            if (!VarInt.TryRead(reader.Peek(10), ref pos, out ulong value)) throw Bad(what);
            reader.Advance(pos);
            return value;
        }
        if (ReadHeaderVarint("block count") != (ulong)footer.BlockCount) throw Bad("block count");
        var offsets = new long[footer.BlockCount + 1];
        offsets[0] = SegmentFormat.HeaderSize;
        for (int i = 0; i < footer.BlockCount; i++)
            offsets[i + 1] = offsets[i] + (long)ReadHeaderVarint("block table");
        if (offsets[^1] != footer.IndexOffset)
            throw new CorruptDataException(path, footer.IndexOffset, "segment block table does not match the index offset");
        blocks.Offsets = offsets;
        if (ReadHeaderVarint("record count") != (ulong)footer.RecordCount) throw Bad("record count");
        bool v4 = blocks.Version >= SegmentFormat.Version;
        var derived = v4 && deriveRevisions ? new SegmentDerivedRevisions(blocks, visitor) : null;

        byte[] key = new byte[256];
        int keyLength = 0, block = 0, slot = 0;
        for (int i = 0; i < footer.RecordCount; i++)
        {
            var raw = reader.Peek(MaxRecordBytes);
            int pos = 0;
            if (!VarInt.TryRead(raw, ref pos, out ulong shared) || shared > (ulong)keyLength ||
                !VarInt.TryRead(raw, ref pos, out ulong suffix) || suffix > (ulong)(raw.Length - pos))
                throw Bad($"key of record {i}");
            int newLength = (int)shared + (int)suffix;
            if (newLength > key.Length) Array.Resize(ref key, Math.Max(newLength, key.Length * 2));
            raw.Slice(pos, (int)suffix).CopyTo(key.AsSpan((int)shared));
            pos += (int)suffix;
            keyLength = newLength;
            if (!VarInt.TryRead(raw, ref pos, out ulong generation) || generation > int.MaxValue || raw.Length - pos < 1)
                throw Bad($"revision of record {i}");
            RecordFlags flags = default;
            bool isDerived = false;
            if (v4)
            {
                byte stored = raw[pos++];
                isDerived = (stored & SegmentFormat.DerivedRevisionFlag) != 0;
                flags = (RecordFlags)(stored & ~SegmentFormat.DerivedRevisionFlag);
            }
            var revision = new Revision((int)generation, 0, 0);
            if (!isDerived)
            {
                if (raw.Length - pos < Revision.HashSize + (v4 ? 0 : 1)) throw Bad($"revision of record {i}");
                revision = new Revision((int)generation, BinaryPrimitives.ReadUInt64BigEndian(raw[pos..]),
                    BinaryPrimitives.ReadUInt64BigEndian(raw[(pos + 8)..]));
                pos += Revision.HashSize;
            }
            if (!v4) flags = (RecordFlags)raw[pos++];
            if (!VarInt.TryRead(raw, ref pos, out ulong lsn) || !VarInt.TryRead(raw, ref pos, out ulong delta))
                throw Bad($"location of record {i}");
            reader.Advance(pos);
            if (delta != 0) { block += (int)delta; slot = 0; }
            if ((uint)block >= (uint)footer.BlockCount) throw Bad($"block {block} of record {i}");
            if (isDerived && derived is not null) derived.Add(key.AsSpan(0, keyLength), (int)generation, flags, lsn, block, slot);
            else visitor(key.AsSpan(0, keyLength), revision, flags, lsn, block, slot);
            slot++;
        }
        derived?.Flush();
        return offsets;
    }

    /// <summary>Reads, verifies and decodes one block: all of it, or for an LZMA block and <paramref name="slot"/> ≥ 0
    /// only up to that slot (<see cref="DecodedBlock.Covers"/>). The crc covers the whole compressed block and is
    /// checked before any decoding, partial or not. Caller holds a reference (<see cref="TryAcquire"/>).</summary>
    public DecodedBlock ReadBlock(int block, BlockBufferPool? pool = null, int slot = -1) =>
        DecodeBlock(_shared.Handle, Path, _blockOffsets, _version, _codec, block, pool, slot);

    /// <summary><see cref="ReadBlock"/> on a handle (also used while the index is parsed, before the reader exists).</summary>
    internal static DecodedBlock DecodeBlock(SafeFileHandle handle, string path, long[] blockOffsets, byte version, BlockCodec codec,
        int block, BlockBufferPool? pool, int slot)
    {
        long offset = blockOffsets[block];
        int size = checked((int)(blockOffsets[block + 1] - offset));
        byte[] buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            ReadExactly(handle, buffer.AsSpan(0, size), offset, path);
            if (size < SegmentFormat.BlockHeaderSize)
                throw new CorruptDataException(path, offset, $"block {block} is too short");
            int compressedLength = BinaryPrimitives.ReadInt32LittleEndian(buffer);
            int rawLength = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(4));
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(8));
            if (compressedLength != size - SegmentFormat.BlockHeaderSize || rawLength < 0 || rawLength > 1 << 30 ||
                crc != SegmentFormat.BlockCrc(version, block, default, buffer.AsSpan(12, size - 12)))
                throw new CorruptDataException(path, offset, $"block {block} checksum mismatch");
            byte[] data = pool?.Rent(rawLength) ?? new byte[rawLength];
            try
            {
                if (codec == BlockCodec.Lzma)
                {
                    var (starts, decoded) = LzmaBlockCodec.DecompressBlock(buffer.AsSpan(12, LzmaBlockCodec.PropertiesSize), buffer,
                        SegmentFormat.BlockHeaderSize, compressedLength, data, rawLength, slot);
                    return DecodedBlock.Partial(data, rawLength, decoded, starts, pool);
                }
                BrotliBlockCodec.Decompress(buffer.AsSpan(SegmentFormat.BlockHeaderSize, compressedLength), data.AsSpan(0, rawLength));
                return DecodedBlock.TryParse(data, rawLength, pool)
                    ?? throw new CorruptDataException(path, offset, $"block {block} slot table is inconsistent");
            }
            catch (Exception e)
            {
                pool?.Return(data);
                if (e is CorruptDataException) throw;
                throw new CorruptDataException(path, offset, $"block {block} does not decompress", e);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> destination, long offset, string path)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(handle, destination, offset);
            if (read == 0) throw new CorruptDataException(path, offset, "unexpected end of file");
            destination = destination[read..];
            offset += read;
        }
    }
}
