using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Win32.SafeHandles;

namespace MyNoSql.Bench.Engines;

/// <summary>
/// The disk's limit as an engine for the warm, interleaved save slices: each save is one positional write of the
/// document's JSON bytes (serialized when opened, not per save) at the end of the previous one, then fdatasync, on a
/// file zero-filled and synced first — the same loop as the fresh-process raw figure (<see cref="FreshChild"/>), but in
/// the warm process and in the same slices as the engines, so a warm ratio to the disk is taken under the same load.
/// </summary>
internal sealed class RawSyncEngine : IBenchEngine
{
    private readonly SafeFileHandle _file;
    private readonly Dictionary<string, byte[]> _bytes;
    private long _offset;

    private RawSyncEngine(SafeFileHandle file, Dictionary<string, byte[]> bytes)
    {
        _file = file;
        _bytes = bytes;
    }

    /// <summary>Creates <c>raw.log</c> in <paramref name="dir"/>, large enough for every document of <paramref name="docs"/>.</summary>
    public static Task<IBenchEngine> OpenAsync(string dir, IReadOnlyList<JsonObject> docs)
    {
        Directory.CreateDirectory(dir);
        var bytes = new Dictionary<string, byte[]>(docs.Count);
        foreach (var doc in docs) bytes[(string)doc["id"]!] = Encoding.UTF8.GetBytes(doc.ToJsonString());
        long size = (bytes.Values.Sum(b => (long)b.Length) + 65535) & ~65535L;
        var file = File.OpenHandle(Path.Combine(dir, "raw.log"), FileMode.CreateNew, FileAccess.ReadWrite);
        var zeros = new byte[1 << 20];
        for (long at = 0; at < size; at += zeros.Length) RandomAccess.Write(file, zeros.AsSpan(0, (int)Math.Min(zeros.Length, size - at)), at);
        Sync(file, full: true);
        return Task.FromResult<IBenchEngine>(new RawSyncEngine(file, bytes));
    }

    public Task SaveAsync(string id, JsonObject document)
    {
        byte[] record = _bytes[id];
        RandomAccess.Write(_file, record, _offset);
        Sync(_file, full: false);
        _offset += record.Length;
        return Task.CompletedTask;
    }

    public Task SaveBatchAsync(IReadOnlyList<(string Id, JsonObject Document)> batch) => throw new NotSupportedException("The raw loop saves one record at a time.");

    public Task<JsonObject?> ReadAsync(string id) => throw new NotSupportedException("The raw loop only writes.");

    public ValueTask DisposeAsync()
    {
        _file.Dispose();
        return ValueTask.CompletedTask;
    }

    private static void Sync(SafeFileHandle handle, bool full)
    {
        int fd = (int)handle.DangerousGetHandle();
        if ((full ? Native.fsync(fd) : Native.fdatasync(fd)) != 0)
            throw new IOException($"fdatasync failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }
}
