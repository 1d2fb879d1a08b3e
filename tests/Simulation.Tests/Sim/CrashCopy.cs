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

    public static string Take(string directory)
    {
        string copy = directory + ".crash";
        if (Directory.Exists(copy)) Directory.Delete(copy, recursive: true);
        CopyTree(directory, copy);
        return copy;
    }

    /// <summary>Replaces <paramref name="directory"/> (after the node was closed) with the copy taken at the crash.</summary>
    public static void Restore(string directory, string copy)
    {
        Directory.Delete(directory, recursive: true);
        Directory.Move(copy, directory);
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
                source.CopyTo(target);
            }
            catch (FileNotFoundException)
            {
                // Removed meanwhile (e.g. a temp file renamed): it was not there at the crash either.
            }
        }
        foreach (var sub in Directory.GetDirectories(from)) CopyTree(sub, Path.Combine(to, Path.GetFileName(sub)));
    }
}
