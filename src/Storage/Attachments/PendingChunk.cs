using Microsoft.Win32.SafeHandles;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Attachments;

/// <summary>
/// A chunk written but not yet in place: a file with no name (Linux <c>O_TMPFILE</c>, <see cref="FileSync.OpenAnonymous"/>)
/// or, where there is none, a named temp file. <see cref="Sync"/> makes its bytes durable, <see cref="MoveTo"/> gives it
/// its chunk name, <see cref="Discard"/> drops it. A nameless file vanishes when closed, so a crash leaves nothing of it.
/// </summary>
internal sealed class PendingChunk
{
    private readonly SafeFileHandle? _handle;
    private readonly string? _temp;

    private PendingChunk(string id, SafeFileHandle? handle, string? temp)
    {
        Id = id;
        _handle = handle;
        _temp = temp;
    }

    /// <summary>The chunk id.</summary>
    public string Id { get; }

    /// <summary>A chunk in the nameless file <paramref name="handle"/>.</summary>
    public static PendingChunk Anonymous(string id, SafeFileHandle handle) => new(id, handle, null);

    /// <summary>A chunk in the temp file <paramref name="temp"/>.</summary>
    public static PendingChunk Named(string id, string temp) => new(id, null, temp);

    /// <summary>Data sync of the chunk's file (written without one).</summary>
    public void Sync()
    {
        if (_handle is not null) FileSync.DataSync(_handle, $"new chunk file {Id}");
        else ChunkFile.Sync(_temp!);
    }

    /// <summary>Gives the chunk the name <paramref name="path"/>, replacing a file there, and closes it.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory of <paramref name="path"/> does not exist.</exception>
    public void MoveTo(string path)
    {
        if (_handle is null)
        {
            File.Move(_temp!, path, overwrite: true);
            return;
        }
        if (!FileSync.Link(_handle, path))
        {
            // A file of that name exists (a copy stored meanwhile, or one a repair replaces): replace it, as a rename would.
            string beside = path + "." + Guid.NewGuid().ToString("N")[..8] + ".new";
            FileSync.Link(_handle, beside);
            File.Move(beside, path, overwrite: true);
        }
        _handle.Dispose();
    }

    /// <summary>Drops the chunk (closes the nameless file, deletes the temp file).</summary>
    public void Discard()
    {
        if (_handle is not null) _handle.Dispose();
        else ChunkFile.TryDelete(_temp!);
    }
}
