using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Indexing;

/// <summary>
/// One immutable sorted run file, open for reading: the block index is in memory; blocks are read through the OS
/// page cache (positional reads), checked against their crc and decoded; the last decoded blocks are kept in a small
/// direct-mapped cache, since repeated queries start at the same few blocks. Reference counted: a scan holds the
/// run while it reads, so a merge may retire (and delete) it meanwhile; the handle closes with the last holder.
/// </summary>
internal sealed class IndexRun
{
    // ~16 KiB of entries per block decode to a few hundred items: 64 slots hold a few MiB per run at most.
    private const int DecodedSlots = 64;

    private readonly SafeFileHandle _handle;
    private readonly byte[][] _firstEntries;
    private readonly long[] _offsets;
    private readonly int[] _counts;
    private readonly long _indexOffset;
    // Slot = block % length; a slot is one reference, so readers swap and read it without a lock.
    private readonly DecodedIndexBlock?[] _decoded = new DecodedIndexBlock?[DecodedSlots];
    private int _references = 1;
    private bool _deleteWhenReleased;

    private IndexRun(string path, SafeFileHandle handle, byte[][] firstEntries, long[] offsets, int[] counts, long indexOffset, long entryCount)
    {
        Path = path;
        _handle = handle;
        _firstEntries = firstEntries;
        _offsets = offsets;
        _counts = counts;
        _indexOffset = indexOffset;
        EntryCount = entryCount;
    }

    public string Path { get; }

    public string FileName => System.IO.Path.GetFileName(Path);

    public long EntryCount { get; }

    public int BlockCount => _offsets.Length;

    public long Length => RandomAccess.GetLength(_handle);

    /// <summary>Opens a run; with <paramref name="verify"/> every block's crc is checked now.</summary>
    /// <exception cref="CorruptDataException">The trailer, the block index or (verifying) a block is damaged.</exception>
    public static IndexRun Open(string path, bool verify)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        try
        {
            long length = RandomAccess.GetLength(handle);
            if (length < IndexRunFormat.Magic.Length + IndexRunFormat.TrailerSize) throw new CorruptDataException(path, 0, "index run shorter than its header and trailer");
            Span<byte> trailer = stackalloc byte[IndexRunFormat.TrailerSize];
            long trailerOffset = length - IndexRunFormat.TrailerSize;
            RandomAccess.Read(handle, trailer, trailerOffset);
            if (!trailer[24..].SequenceEqual(IndexRunFormat.EndMagic)) throw new CorruptDataException(path, trailerOffset, "index run trailer magic");
            long indexOffset = BinaryPrimitives.ReadInt64LittleEndian(trailer);
            int indexLength = BinaryPrimitives.ReadInt32LittleEndian(trailer[8..]);
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(trailer[12..]);
            long entryCount = BinaryPrimitives.ReadInt64LittleEndian(trailer[16..]);
            if (indexOffset < IndexRunFormat.Magic.Length || indexLength < 0 || indexOffset + indexLength != trailerOffset)
                throw new CorruptDataException(path, trailerOffset, "index run trailer out of range");
            var index = new byte[indexLength];
            RandomAccess.Read(handle, index, indexOffset);
            if (Crc.Compute(index) != crc) throw new CorruptDataException(path, indexOffset, "index run block index checksum");
            var firsts = new List<byte[]>();
            var offsets = new List<long>();
            var counts = new List<int>();
            int pos = 0;
            while (pos < index.Length)
            {
                if (!VarInt.TryRead(index, ref pos, out ulong firstLength) || firstLength > (ulong)(index.Length - pos))
                    throw new CorruptDataException(path, indexOffset + pos, "index run block index entry");
                firsts.Add(index.AsSpan(pos, (int)firstLength).ToArray());
                pos += (int)firstLength;
                if (!VarInt.TryRead(index, ref pos, out ulong offset) || !VarInt.TryRead(index, ref pos, out ulong count))
                    throw new CorruptDataException(path, indexOffset + pos, "index run block index entry");
                offsets.Add((long)offset);
                counts.Add((int)count);
            }
            var run = new IndexRun(path, handle, [.. firsts], [.. offsets], [.. counts], indexOffset, entryCount);
            if (verify)
            {
                for (int i = 0; i < run.BlockCount; i++) _ = run.ReadBlock(i);
            }
            return run;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The block whose entries may include the first entry ≥ <paramref name="bound"/> (or the last one below it).</summary>
    public int BlockFor(ReadOnlySpan<byte> bound)
    {
        // Last block whose first entry is below the bound: entries equal to the bound may start in it.
        int lo = 0, hi = _firstEntries.Length - 1, found = 0;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_firstEntries[mid].AsSpan().SequenceCompareTo(bound) < 0) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found;
    }

    /// <summary>Reads, checks and decodes block <paramref name="block"/>.</summary>
    /// <exception cref="CorruptDataException">The block failed its checksum or does not decode.</exception>
    public IndexItem[] ReadBlock(int block)
    {
        long offset = _offsets[block];
        long end = block + 1 < _offsets.Length ? _offsets[block + 1] : _indexOffset;
        if (end - offset < IndexRunFormat.BlockHeaderSize || end - offset > int.MaxValue) throw new CorruptDataException(Path, offset, "index run block bounds");
        var stored = new byte[(int)(end - offset)];
        if (RandomAccess.Read(_handle, stored, offset) != stored.Length) throw new CorruptDataException(Path, offset, "index run truncated");
        int length = BinaryPrimitives.ReadInt32LittleEndian(stored);
        int rawLength = BinaryPrimitives.ReadInt32LittleEndian(stored.AsSpan(4));
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(stored.AsSpan(8));
        byte codec = stored[12];
        if (length != stored.Length - IndexRunFormat.BlockHeaderSize || rawLength < 0 || rawLength > IndexRunFormat.MaxRawBlock)
            throw new CorruptDataException(Path, offset, "index run block header");
        var data = stored.AsSpan(IndexRunFormat.BlockHeaderSize);
        if (IndexRunFormat.BlockCrc(block, codec, rawLength, data) != crc) throw new CorruptDataException(Path, offset, "index run block checksum");
        if (codec == IndexRunFormat.CodecNone && rawLength != length) throw new CorruptDataException(Path, offset, "index run block header");
        var raw = codec == IndexRunFormat.CodecNone ? data : new byte[rawLength];
        if (codec != IndexRunFormat.CodecNone && !IndexRunFormat.Decode(codec, data, raw)) throw new CorruptDataException(Path, offset, "index run block does not decode");
        var items = new IndexItem[_counts[block]];
        int pos = 0;
        Span<int> starts = stackalloc int[5];
        int columnStart = 0;
        for (int c = 0; c < 4; c++)
        {
            if (!VarInt.TryRead(raw, ref pos, out ulong columnLength) || columnLength > (ulong)raw.Length) throw new CorruptDataException(Path, offset, "index run block columns");
            starts[c] = columnStart;
            columnStart += (int)columnLength;
        }
        starts[4] = columnStart;
        if (pos + columnStart > raw.Length) throw new CorruptDataException(Path, offset, "index run block columns");
        int sharedAt = pos + starts[0], suffixAt = pos + starts[1], keyAt = pos + starts[2], sequenceAt = pos + starts[3], bytesAt = pos + starts[4];
        byte[] previous = [];
        for (int i = 0; i < items.Length; i++)
        {
            if (!VarInt.TryRead(raw, ref sharedAt, out ulong shared) || !VarInt.TryRead(raw, ref suffixAt, out ulong suffix)
                || !VarInt.TryRead(raw, ref keyAt, out ulong keyLength) || !VarInt.TryRead(raw, ref sequenceAt, out ulong sequence)
                || shared > (ulong)previous.Length || suffix > (ulong)(raw.Length - bytesAt) || keyLength > shared + suffix)
                throw new CorruptDataException(Path, offset, "index run entry");
            var entry = new byte[(int)shared + (int)suffix];
            previous.AsSpan(0, (int)shared).CopyTo(entry);
            raw.Slice(bytesAt, (int)suffix).CopyTo(entry.AsSpan((int)shared));
            bytesAt += (int)suffix;
            items[i] = new IndexItem(entry, (int)keyLength, sequence);
            previous = entry;
        }
        return items;
    }

    /// <summary>Block <paramref name="block"/>'s entries, from the cache or read and decoded.</summary>
    private IndexItem[] Items(int block)
    {
        ref var slot = ref _decoded[block % DecodedSlots];
        var cached = Volatile.Read(ref slot);
        if (cached is not null && cached.Block == block) return cached.Items;
        var items = ReadBlock(block);
        Volatile.Write(ref slot, new DecodedIndexBlock(block, items));
        return items;
    }

    /// <summary>Entries in order from the first ≥ <paramref name="bound"/> (ascending) or the last &lt; it (descending);
    /// a null bound starts at the matching end.</summary>
    public IEnumerable<IndexItem> Scan(byte[]? bound, bool descending)
    {
        if (BlockCount == 0) yield break;
        if (!descending)
        {
            for (int b = bound is null ? 0 : BlockFor(bound); b < BlockCount; b++)
            {
                foreach (var item in Items(b))
                {
                    if (bound is not null && item.Entry.AsSpan().SequenceCompareTo(bound) < 0) continue;
                    yield return item;
                }
            }
        }
        else
        {
            for (int b = bound is null ? BlockCount - 1 : BlockFor(bound); b >= 0; b--)
            {
                var items = Items(b);
                for (int i = items.Length - 1; i >= 0; i--)
                {
                    if (bound is not null && items[i].Entry.AsSpan().SequenceCompareTo(bound) >= 0) continue;
                    yield return items[i];
                }
            }
        }
    }

    /// <summary>Takes a reference; false when the run was released for good.</summary>
    public bool TryAcquire()
    {
        lock (_firstEntries)
        {
            if (_references == 0) return false;
            _references++;
            return true;
        }
    }

    /// <summary>Drops a reference; the last one closes the file (and deletes it when retired).</summary>
    public void Release()
    {
        bool close;
        lock (_firstEntries) close = --_references == 0;
        if (!close) return;
        _handle.Dispose();
        if (_deleteWhenReleased) TryDelete(Path);
    }

    /// <summary>Drops the owner's reference and deletes the file once no scan reads it.</summary>
    public void Retire()
    {
        lock (_firstEntries) _deleteWhenReleased = true;
        Release();
    }

    internal static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
