using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace MyNoSql.Storage.IO;

/// <summary>
/// A read-only memory map of a whole file. Recovery scans logs through it instead of copying them onto the heap,
/// so replaying large logs costs page cache, not managed memory.
/// </summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _pointer;
    private readonly int _length;

    public MappedFile(SafeFileHandle handle, string path)
    {
        long length = RandomAccess.GetLength(handle);
        if (length > int.MaxValue) throw new IOException($"'{path}' is too large to map ({length} bytes).");
        _length = (int)length;
        if (_length == 0) return; // empty files cannot be mapped
        _map = MemoryMappedFile.CreateFromFile(handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        try
        {
            _view = _map.CreateViewAccessor(0, _length, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _pointer = pointer + _view.PointerOffset;
        }
        catch
        {
            _view?.Dispose();
            _map.Dispose();
            throw;
        }
    }

    public int Length => _length;

    public ReadOnlySpan<byte> Span => _length == 0 ? default : new ReadOnlySpan<byte>(_pointer, _length);

    public void Dispose()
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }
}
