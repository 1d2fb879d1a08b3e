using Microsoft.Win32.SafeHandles;

namespace MyNoSql.Storage.IO;

/// <summary>
/// A file handle shared by its owner and concurrent readers: readers <see cref="TryAcquire"/> and
/// <see cref="Release"/> it; the owner <see cref="Retire"/>s it when the file leaves the store, and it closes after
/// the last reader is done, so a reader never sees a closed (or reused) handle.
/// </summary>
internal sealed class SharedFileHandle(SafeFileHandle handle)
{
    private int _refs = 1; // the owner's reference, dropped by Retire
    private int _retired;

    public SafeFileHandle Handle => handle;

    public bool TryAcquire()
    {
        while (true)
        {
            int refs = Volatile.Read(ref _refs);
            if (refs == 0) return false;
            if (Interlocked.CompareExchange(ref _refs, refs + 1, refs) == refs) return true;
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0) handle.Dispose();
    }

    public void Retire()
    {
        if (Interlocked.Exchange(ref _retired, 1) == 0) Release();
    }
}
