using Microsoft.Win32.SafeHandles;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// One <c>log-&lt;n&gt;.wal</c> file of a shard. The committer appends at <see cref="WriteOffset"/> with positional writes
/// into space that was zero-filled ahead (<see cref="Preallocate"/>), so each commit needs only <c>fdatasync</c>.
/// Reference counted like segments: readers hold it while a compaction retires and deletes it.
/// </summary>
internal sealed class LogFile
{
    private const int ZeroChunk = 1 << 20;
    private static readonly byte[] s_zeros = new byte[ZeroChunk];

    private readonly SharedFileHandle _shared;
    private readonly object _preallocationLock = new();
    private long _preallocatedEnd;
    private int _extending;
    // Opened at the first append or zero-fill (logs that are only read never open it); null value: through the page cache.
    private readonly Lazy<DirectAppendWriter?>? _direct;
    private volatile bool _buffered; // the file system refused a direct write: page cache from then on
    private bool _retired;           // under _preallocationLock: no zero-fill (nor a writer opened) after Retire
    private RecentWrites? _recent; // what direct appends wrote last, for reads right after them (set by the committer)

    private LogFile(string path, int number, SafeFileHandle handle, long length, bool direct)
    {
        Path = path;
        Number = number;
        _shared = new SharedFileHandle(handle);
        _preallocatedEnd = length;
        if (direct) _direct = new(() => DirectAppendWriter.TryOpen(path));
    }

    public string Path { get; }
    public int Number { get; }
    public SafeFileHandle Handle => _shared.Handle;

    /// <summary>Identifies this file's pages in the shared block cache (reads of log-resident records).</summary>
    public long CacheId { get; } = BlockCache.NewCacheId();

    /// <summary>End of the valid frames; the next frame goes here. Owned by the committer.</summary>
    public long WriteOffset { get; set; }

    /// <summary>File length; bytes in [WriteOffset, PreallocatedEnd) are zeros.</summary>
    public long PreallocatedEnd => Volatile.Read(ref _preallocatedEnd);

    /// <summary>Lsn of the last frame in this file, 0 when empty.</summary>
    public ulong LastLsn { get; set; }

    public static string FileName(int number) => $"log-{number:D6}.wal";

    /// <summary>Creates the file with <paramref name="preallocate"/> zeroed bytes. <paramref name="direct"/>: append and
    /// zero-fill with <c>O_DIRECT</c> where the file system has it (Durable mode, <see cref="StoreOptions.DirectLogWrites"/>).</summary>
    public static LogFile Create(string path, int number, long preallocate, bool direct)
    {
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        LogFile? log = null;
        try
        {
            log = new LogFile(path, number, handle, 0, direct);
            log.Preallocate(preallocate);
            return log;
        }
        catch
        {
            // E.g. a full disk: leave nothing behind (the file is not in the manifest yet).
            log?.Retire();
            handle.Dispose();
            File.Delete(path);
            throw;
        }
    }

    public static LogFile Open(string path, int number, bool direct)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        return new LogFile(path, number, handle, RandomAccess.GetLength(handle), direct);
    }

    /// <summary>
    /// The committer's write of <paramref name="buffers"/> at <see cref="WriteOffset"/>: with <c>O_DIRECT</c> when the
    /// log was opened for it (<see cref="DirectAppendWriter"/>; the page-rounded end stays inside the preallocated
    /// zeros, which <see cref="Preallocate"/> ends on a page boundary) and kept in <see cref="RecentWrites"/> for reads
    /// right after it, else through the page cache.
    /// </summary>
    public void Append(ReadOnlyMemory<byte>[] buffers)
    {
        if (Direct is { } writer)
        {
            try
            {
                if (!writer.Continues(WriteOffset))
                {
                    // The first append of this process (or after a failed one): the page's earlier bytes come from the file.
                    Span<byte> head = stackalloc byte[(int)(WriteOffset - DirectAppendWriter.PageFloor(WriteOffset))];
                    ReadExactly(head, WriteOffset - head.Length);
                    writer.Restart(WriteOffset, head);
                }
                writer.Append(buffers, WriteOffset);
                if (_recent is null) Volatile.Write(ref _recent, new RecentWrites());
                _recent.Add(buffers, WriteOffset);
                return;
            }
            catch (DirectWriteRefusedException)
            {
                GiveUpDirect(); // the same bytes again, through the page cache
            }
        }
        RandomAccess.Write(_shared.Handle, buffers, WriteOffset);
    }

    /// <summary>The direct writer while direct writes are in use for this log; opens it on first use.</summary>
    private DirectAppendWriter? Direct => _buffered ? null : _direct?.Value;

    /// <summary>
    /// The file system opened the file with <c>O_DIRECT</c> but refuses page-aligned writes (a device with larger logical
    /// blocks): this log writes through the page cache from now on. The writer stays open (a background zero-fill may
    /// hold it) until <see cref="Retire"/>; reads no longer look in the window of direct appends.
    /// </summary>
    private void GiveUpDirect()
    {
        _buffered = true;
        Volatile.Write(ref _recent, null);
    }

    /// <summary>Zero-fills the file up to <paramref name="end"/> (rounded up to a whole page) and fsyncs it (size change
    /// is metadata).</summary>
    public void Preallocate(long end)
    {
        end = DirectAppendWriter.PageCeiling(end);
        lock (_preallocationLock)
        {
            long from = PreallocatedEnd;
            if (end <= from || _retired) return;
            if (Direct is { } writer)
            {
                // Zeros written directly leave no dirty pages behind for the next commit's fdatasync to write back.
                long aligned = Math.Min(end, DirectAppendWriter.PageCeiling(from));
                WriteZerosBuffered(from, aligned);
                try
                {
                    writer.WriteZeros(aligned, end);
                }
                catch (DirectWriteRefusedException)
                {
                    GiveUpDirect();
                    WriteZerosBuffered(aligned, end);
                }
            }
            else
            {
                WriteZerosBuffered(from, end);
            }
            FileSync.FullSync(_shared.Handle, Path);
            // Published only now: the committer never writes into space that is still being zeroed.
            Volatile.Write(ref _preallocatedEnd, end);
        }
    }

    /// <summary>
    /// Zero-fills <paramref name="step"/> more bytes on a pool thread when less than <paramref name="lowWater"/> is
    /// left, so the committer rarely has to extend the file itself (a 4 MiB zero-fill + fsync is ~15 ms).
    /// </summary>
    public void ExtendAhead(long lowWater, long step, Action<Exception> onError)
    {
        if (PreallocatedEnd - WriteOffset >= lowWater || Interlocked.CompareExchange(ref _extending, 1, 0) != 0) return;
        _ = Task.Run(() =>
        {
            try
            {
                if (TryAcquire())
                {
                    try { Preallocate(PreallocatedEnd + step); }
                    finally { Release(); }
                }
            }
            catch (Exception e)
            {
                onError(e); // the committer extends inline when it runs out
            }
            finally
            {
                Volatile.Write(ref _extending, 0);
            }
        });
    }

    /// <summary>Overwrites [from, to) with zeros (used to wipe a torn tail at recovery) and syncs.</summary>
    public void Zero(long from, long to)
    {
        WriteZerosBuffered(from, to);
        FileSync.DataSync(_shared.Handle, Path);
    }

    private void WriteZerosBuffered(long from, long to)
    {
        for (long pos = from; pos < to; pos += ZeroChunk)
            RandomAccess.Write(_shared.Handle, s_zeros.AsSpan(0, (int)Math.Min(ZeroChunk, to - pos)), pos);
    }

    public void DataSync() => FileSync.DataSync(_shared.Handle, Path);

    /// <summary>True while a background extension runs.</summary>
    public bool Extending => Volatile.Read(ref _extending) != 0;

    /// <summary>Cuts the preallocated zeros off (on close), so a closed store holds only real bytes.</summary>
    public void TruncateToWritten()
    {
        lock (_preallocationLock)
        {
            RandomAccess.SetLength(_shared.Handle, WriteOffset);
            FileSync.FullSync(_shared.Handle, Path);
            Volatile.Write(ref _preallocatedEnd, WriteOffset);
        }
    }

    public void ReadExactly(Span<byte> destination, long offset)
    {
        if (Volatile.Read(ref _recent) is { } recent && recent.TryRead(destination, offset)) return;
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(_shared.Handle, destination, offset);
            if (read == 0) throw new CorruptDataException(Path, offset, "unexpected end of log file");
            destination = destination[read..];
            offset += read;
        }
    }

    public bool TryAcquire() => _shared.TryAcquire();

    public void Release() => _shared.Release();

    /// <summary>Drops the owner's reference (the handle closes after the last reader) and closes the direct writer: the
    /// committer no longer appends here.</summary>
    public void Retire()
    {
        // Under the zero-fill's lock: a background extension still running finishes first, and none starts (nor opens
        // the writer) after this.
        lock (_preallocationLock)
        {
            _retired = true;
            if (_direct is { IsValueCreated: true, Value: { } writer }) writer.Dispose();
        }
        _shared.Retire();
    }
}
