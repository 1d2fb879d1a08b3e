using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Indexing;

/// <summary>
/// Writes one sorted run (<see cref="IndexRunFormat"/>) from entries in <see cref="IndexItem.Order"/>: to
/// <c>path.tmp</c>, fsynced, renamed, directory fsynced, so a run file that exists under its name is complete.
/// </summary>
internal static class IndexRunWriter
{
    /// <summary>Writes <paramref name="items"/> (sorted, duplicates allowed) to <paramref name="path"/>; returns the entry count.</summary>
    public static long Write(string path, IEnumerable<IndexItem> items, CancellationToken cancellationToken)
    {
        string tmp = path + ".tmp";
        long count = 0;
        using (var handle = File.OpenHandle(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var state = new State(handle);
            state.Append(IndexRunFormat.Magic);
            var raw = new ArrayBufferWriter<byte>(IndexRunFormat.BlockSize + 1024);
            // Columns (shared lengths, suffix lengths, key lengths, sequences, suffix bytes) compress better apart.
            var columns = Enumerable.Range(0, 5).Select(_ => new ArrayBufferWriter<byte>(IndexRunFormat.BlockSize)).ToArray();
            var index = new ArrayBufferWriter<byte>(4096);
            byte[]? previous = null;
            byte[]? first = null;
            int inBlock = 0, blockNumber = 0;
            var compressed = new byte[IndexRunFormat.BlockSize * 2 + 4096];

            void CloseBlock()
            {
                if (inBlock == 0) return;
                raw.ResetWrittenCount();
                for (int c = 0; c < 4; c++) VarInt.Write(raw, (ulong)columns[c].WrittenCount);
                foreach (var column in columns)
                {
                    raw.Write(column.WrittenSpan);
                    column.ResetWrittenCount();
                }
                if (compressed.Length < raw.WrittenCount + 64) compressed = new byte[raw.WrittenCount * 2 + 64];
                byte codec = IndexRunFormat.Encode(raw.WrittenSpan, compressed, out int length);
                var data = compressed.AsSpan(0, length);
                Span<byte> head = stackalloc byte[IndexRunFormat.BlockHeaderSize];
                BinaryPrimitives.WriteInt32LittleEndian(head, length);
                BinaryPrimitives.WriteInt32LittleEndian(head[4..], raw.WrittenCount);
                BinaryPrimitives.WriteUInt32LittleEndian(head[8..], IndexRunFormat.BlockCrc(blockNumber, codec, raw.WrittenCount, data));
                head[12] = codec;
                VarInt.Write(index, (ulong)first!.Length);
                index.Write(first);
                VarInt.Write(index, (ulong)state.Position);
                VarInt.Write(index, (ulong)inBlock);
                state.Append(head);
                state.Append(data);
                inBlock = 0;
                previous = null;
                blockNumber++;
            }

            foreach (var item in items)
            {
                if ((count & 4095) == 0) cancellationToken.ThrowIfCancellationRequested();
                var entry = item.Entry;
                int shared = 0;
                if (previous is null) first = entry;
                else shared = entry.AsSpan().CommonPrefixLength(previous);
                VarInt.Write(columns[0], (ulong)shared);
                VarInt.Write(columns[1], (ulong)(entry.Length - shared));
                VarInt.Write(columns[2], (ulong)item.KeyLength);
                VarInt.Write(columns[3], item.Sequence);
                columns[4].Write(entry.AsSpan(shared));
                previous = entry;
                inBlock++;
                count++;
                if (columns.Sum(c => c.WrittenCount) >= IndexRunFormat.BlockSize) CloseBlock();
            }
            CloseBlock();
            long indexOffset = state.Position;
            state.Append(index.WrittenSpan);
            Span<byte> trailer = stackalloc byte[IndexRunFormat.TrailerSize];
            BinaryPrimitives.WriteInt64LittleEndian(trailer, indexOffset);
            BinaryPrimitives.WriteInt32LittleEndian(trailer[8..], index.WrittenCount);
            BinaryPrimitives.WriteUInt32LittleEndian(trailer[12..], Crc.Compute(index.WrittenSpan));
            BinaryPrimitives.WriteInt64LittleEndian(trailer[16..], count);
            IndexRunFormat.EndMagic.CopyTo(trailer[24..]);
            state.Append(trailer);
            state.Flush();
            FileSync.FullSync(handle, tmp);
        }
        File.Move(tmp, path, overwrite: true);
        FileSync.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return count;
    }

    /// <summary>Buffered positional writes (one syscall per 1 MiB).</summary>
    private sealed class State(SafeFileHandle handle)
    {
        private readonly byte[] _buffer = new byte[1 << 20];
        private int _used;
        private long _flushed;

        public long Position => _flushed + _used;

        public void Append(ReadOnlySpan<byte> data)
        {
            while (data.Length > 0)
            {
                int n = Math.Min(data.Length, _buffer.Length - _used);
                data[..n].CopyTo(_buffer.AsSpan(_used));
                _used += n;
                data = data[n..];
                if (_used == _buffer.Length) Flush();
            }
        }

        public void Flush()
        {
            RandomAccess.Write(handle, _buffer.AsSpan(0, _used), _flushed);
            _flushed += _used;
            _used = 0;
        }
    }
}
