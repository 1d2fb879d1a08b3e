using System.Diagnostics;

namespace MyNoSql.Tests.Support;

/// <summary>
/// A small tmpfs mounted over a directory for a test that must fill a real disk; mounting needs root (CI runs as root).
/// <see cref="Mount"/> is null when not root, and the test then has nothing to run on.
/// </summary>
internal sealed class SmallFileSystem : IDisposable
{
    private readonly string _path;

    private SmallFileSystem(string path) => _path = path;

    /// <summary>Mounts <paramref name="megabytes"/> MiB over <paramref name="path"/>; null when not root, fails when root cannot mount.</summary>
    public static SmallFileSystem? Mount(string path, int megabytes)
    {
        if (Environment.UserName != "root") return null;
        int code = Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path);
        if (code != 0) throw new InvalidOperationException($"mount of a {megabytes} MiB tmpfs at '{path}' failed with exit code {code}");
        return new SmallFileSystem(path);
    }

    /// <summary>Writes <paramref name="file"/> until the file system is full: the room a user would free by deleting it.</summary>
    public static void FillUp(string file)
    {
        using var stream = new FileStream(file, FileMode.CreateNew);
        var block = new byte[1 << 20];
        try
        {
            while (true) stream.Write(block);
        }
        catch (IOException)
        {
        }
    }

    public void Dispose() => Run("umount", _path);

    private static int Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
