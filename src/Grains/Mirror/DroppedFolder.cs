namespace MyNoSql.Grains.Mirror;

/// <summary>Deletes the folder a dropped database kept on this silo (its indexes, its attachment chunks).</summary>
internal static class DroppedFolder
{
    /// <summary>Deletes <paramref name="path"/> with everything in it; returns the bytes of the files deleted (0 when absent).</summary>
    public static long Delete(string path)
    {
        if (!Directory.Exists(path)) return 0;
        long bytes = new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        Directory.Delete(path, recursive: true);
        return bytes;
    }
}
