using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Attachments;

/// <summary>
/// One chunk file: a 24-byte header then the payload (raw, or Brotli when that saved ≥ 10%).
/// Header (little-endian): magic "MNAC", version 1, flags (bit 0: Brotli), 2 reserved bytes, raw length, stored
/// length, CRC-32C of the stored payload, CRC-32C of the header's first 20 bytes.
/// </summary>
internal static class ChunkFile
{
    public const int HeaderSize = 24;
    private const uint Magic = 0x43414E4D; // "MNAC"
    private const byte Version = 1;
    private const byte FlagBrotli = 1;

    /// <summary>A compressed payload is kept only when it is at most this fraction of the raw bytes.</summary>
    public const double KeepCompressedRatio = 0.9;

    /// <summary>Bytes of the probe sample: two slices of half this size, at the start and in the middle.</summary>
    public const int ProbeBytes = 16 << 10;

    /// <summary>Brotli quality of probe and payload: 1 is the fastest level that still finds repeats across the window.</summary>
    private const int Quality = 1;
    private const int Window = 22;

    /// <summary>True when <paramref name="id"/> is 64 lowercase hex characters (a SHA-256).</summary>
    public static bool IsValidId(string? id)
    {
        if (id is null || id.Length != 64) return false;
        foreach (char c in id)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f')) return false;
        }
        return true;
    }

    /// <summary>The chunk id of raw bytes: lowercase hex SHA-256.</summary>
    public static string IdOf(ReadOnlySpan<byte> raw)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(raw, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>
    /// Cheap test whether compressing pays: Brotli over a 16 KiB sample. Incompressible data (JPEG, video, archives)
    /// costs only the probe.
    /// </summary>
    public static bool ProbeSaysCompress(ReadOnlySpan<byte> raw)
    {
        if (raw.Length < 512) return false;
        int half = Math.Min(ProbeBytes / 2, raw.Length / 2);
        byte[] rented = ArrayPool<byte>.Shared.Rent(2 * half + 2 * half + 64);
        try
        {
            raw[..half].CopyTo(rented);
            raw.Slice(raw.Length / 2, half).CopyTo(rented.AsSpan(half));
            var input = rented.AsSpan(0, 2 * half);
            var output = rented.AsSpan(2 * half);
            // Not fitting in the input's size means it did not compress at all.
            if (!BrotliEncoder.TryCompress(input, output[..(int)(input.Length * KeepCompressedRatio)], out int written, Quality, Window)) return false;
            return written <= input.Length * KeepCompressedRatio;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>A fresh temp file name in <paramref name="tempDirectory"/> for the chunk file <paramref name="path"/>.</summary>
    public static string TempPath(string path, string tempDirectory) =>
        Path.Combine(tempDirectory, Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>
    /// Writes the chunk file to the new file <paramref name="tmp"/> (compressed when that pays), with a data sync when
    /// <paramref name="durable"/>; returns the file's length. The caller renames it into place, or deletes it.
    /// </summary>
    public static long WriteTemp(string tmp, ReadOnlySpan<byte> raw, bool durable)
    {
        // No preallocation: the file is written once, whole (fallocate only added a syscall per chunk).
        using SafeFileHandle handle = File.OpenHandle(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        long length = Write(handle, raw);
        if (durable) FileSync.DataSync(handle, tmp);
        return length;
    }

    /// <summary>Writes the chunk file (compressed when that pays) to the new, empty file <paramref name="handle"/>; returns its length.</summary>
    public static long Write(SafeFileHandle handle, ReadOnlySpan<byte> raw)
    {
        byte[]? compressed = null;
        try
        {
            ReadOnlySpan<byte> payload = raw;
            byte flags = 0;
            if (ProbeSaysCompress(raw))
            {
                compressed = ArrayPool<byte>.Shared.Rent(BrotliEncoder.GetMaxCompressedLength(raw.Length));
                int limit = (int)(raw.Length * KeepCompressedRatio);
                if (BrotliEncoder.TryCompress(raw, compressed.AsSpan(0, limit), out int written, Quality, Window) && written <= limit)
                {
                    payload = compressed.AsSpan(0, written);
                    flags = FlagBrotli;
                }
            }
            Span<byte> header = stackalloc byte[HeaderSize];
            BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
            header[4] = Version;
            header[5] = flags;
            header[6] = 0;
            header[7] = 0;
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], raw.Length);
            BinaryPrimitives.WriteInt32LittleEndian(header[12..], payload.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header[16..], Crc.Compute(payload));
            BinaryPrimitives.WriteUInt32LittleEndian(header[20..], Crc.Compute(header[..20]));
            RandomAccess.Write(handle, header, 0);
            RandomAccess.Write(handle, payload, HeaderSize);
            return HeaderSize + payload.Length;
        }
        finally
        {
            if (compressed is not null) ArrayPool<byte>.Shared.Return(compressed);
        }
    }

    /// <summary>Data sync of a file written earlier without one (where the file system cannot be synced at once).</summary>
    public static void Sync(string path)
    {
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.Read);
        FileSync.DataSync(handle, path);
    }

    /// <summary>
    /// Reads and checks the chunk at <paramref name="path"/> into <paramref name="destination"/> (raw bytes); returns the
    /// raw length.
    /// </summary>
    /// <exception cref="CorruptDataException">Bad header, CRC mismatch or undecodable payload (names the file and offset).</exception>
    /// <exception cref="FileNotFoundException">No such chunk file.</exception>
    public static int Read(string path, Span<byte> destination)
    {
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        long fileLength = RandomAccess.GetLength(handle);
        Span<byte> header = stackalloc byte[HeaderSize];
        if (fileLength < HeaderSize || RandomAccess.Read(handle, header, 0) != HeaderSize)
            throw new CorruptDataException(path, 0, $"chunk file of {fileLength} bytes is shorter than its header");
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic || header[4] != Version)
            throw new CorruptDataException(path, 0, "not a chunk file of a known version (bad magic or version)");
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[20..]) != Crc.Compute(header[..20]))
            throw new CorruptDataException(path, 0, "chunk header checksum mismatch");
        byte flags = header[5];
        int rawLength = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        int storedLength = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(header[16..]);
        if (rawLength < 0 || storedLength < 0 || rawLength > destination.Length || (flags & ~FlagBrotli) != 0 || (flags == 0 && storedLength != rawLength))
            throw new CorruptDataException(path, 0, $"chunk header is inconsistent (raw {rawLength}, stored {storedLength}, flags {flags})");
        if (fileLength != HeaderSize + storedLength)
            throw new CorruptDataException(path, HeaderSize, $"chunk payload is {fileLength - HeaderSize} bytes, the header says {storedLength}");
        if (flags == 0)
        {
            var target = destination[..rawLength];
            ReadExactly(handle, target, path);
            if (Crc.Compute(target) != crc) throw new CorruptDataException(path, HeaderSize, "chunk payload checksum mismatch");
            return rawLength;
        }
        byte[] stored = ArrayPool<byte>.Shared.Rent(storedLength);
        try
        {
            var payload = stored.AsSpan(0, storedLength);
            ReadExactly(handle, payload, path);
            if (Crc.Compute(payload) != crc) throw new CorruptDataException(path, HeaderSize, "chunk payload checksum mismatch");
            if (!BrotliDecoder.TryDecompress(payload, destination[..rawLength], out int written) || written != rawLength)
                throw new CorruptDataException(path, HeaderSize, "compressed chunk payload does not decode to its raw length");
            return rawLength;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(stored);
        }
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> target, string path)
    {
        int done = 0;
        while (done < target.Length)
        {
            int n = RandomAccess.Read(handle, target[done..], HeaderSize + done);
            if (n == 0) throw new CorruptDataException(path, HeaderSize + done, "chunk file ends early");
            done += n;
        }
    }

    internal static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
