namespace MyNoSql.Simulation.Tests.Sim;

/// <summary>
/// A process crash of a node that uses real files: the files as they are on disk at this instant (what a SIGKILL
/// leaves: the page cache survives, in-process state does not) are copied aside while the node is idle, the node
/// is closed, and the copy replaces its folder. Reopening then recovers from exactly what the crash left.
/// </summary>
internal static class CrashCopy
{
    // Lock files are held exclusively by the open node; the OS drops them at a real crash.
    private static readonly HashSet<string> Skip = new(StringComparer.Ordinal) { "LOCK", "store.lock" };

    /// <summary>
    /// Copies the folder as it is now. The engine may be finishing background file work (preparing a spare log and
    /// listing it in the manifest, zero-filling ahead): a copy taken while files changed could mix two moments no
    /// crash can produce, so the copy is retried until no file changed while it was taken.
    /// </summary>
    public static string Take(string directory)
    {
        string copy = directory + ".crash";
        for (int attempt = 0; ; attempt++)
        {
            if (Directory.Exists(copy)) Directory.Delete(copy, recursive: true);
            string before = State(directory);
            CopyTree(directory, copy);
            if (State(directory) == before || attempt == 50) return copy;
            Thread.Sleep(5);
        }
    }

    private static string State(string directory) => string.Join('\n', Directory.GetFiles(directory, "*", SearchOption.AllDirectories)
        .Order(StringComparer.Ordinal)
        .Select(f => new FileInfo(f))
        .Select(f => $"{f.FullName} {(f.Exists ? f.Length : -1)} {(f.Exists ? f.LastWriteTimeUtc.Ticks : 0)}"));

    /// <summary>Replaces <paramref name="directory"/> (after the node was closed) with the copy taken at the crash.</summary>
    public static void Restore(string directory, string copy)
    {
        Directory.Delete(directory, recursive: true);
        Directory.Move(copy, directory);
    }

    /// <summary>Byte-for-byte copy that skips writing all-zero chunks (preallocated log space): same content, less work.</summary>
    private static void SparseCopy(FileStream source, FileStream target)
    {
        var buffer = new byte[64 << 10];
        long position = 0;
        int n;
        while ((n = source.Read(buffer)) > 0)
        {
            if (buffer.AsSpan(0, n).ContainsAnyExcept((byte)0))
            {
                target.Position = position;
                target.Write(buffer, 0, n);
            }
            position += n;
        }
        target.SetLength(position);
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            string name = Path.GetFileName(file);
            if (Skip.Contains(name)) continue;
            try
            {
                using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var target = new FileStream(Path.Combine(to, name), FileMode.CreateNew, FileAccess.Write);
                SparseCopy(source, target);
            }
            catch (FileNotFoundException)
            {
                // Removed meanwhile (e.g. a temp file renamed): it was not there at the crash either.
            }
            catch (IOException) when (name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                // A manifest being replaced in the background (temp file, fsync, rename) is held exclusively: the crash
                // came before it existed, which the engine must survive as well.
            }
        }
        foreach (var sub in Directory.GetDirectories(from)) CopyTree(sub, Path.Combine(to, Path.GetFileName(sub)));
    }
}
