using MyNoSql.Storage.Attachments;
using MyNoSql.Storage.IO;
using MyNoSql.Storage.Tests.Engine;

namespace MyNoSql.Storage.Tests.Attachments;

/// <summary>A chunk written to a file with no name (<c>O_TMPFILE</c>) and named at its commit, as a rename would.</summary>
public sealed class PendingChunkTests
{
    [Fact]
    public void A_nameless_file_is_invisible_until_named_and_naming_it_replaces_a_file_there()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var dir = new TempDirectory();
        using var handle = FileSync.OpenAnonymous(dir.Path);
        Assert.NotNull(handle); // ext4, xfs, btrfs and tmpfs all have O_TMPFILE
        RandomAccess.Write(handle, "new bytes"u8, 0);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));

        string path = Path.Combine(dir.Path, "chunk");
        File.WriteAllText(path, "old, damaged");
        PendingChunk.Anonymous("chunk", handle).MoveTo(path);
        Assert.Equal("new bytes", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(dir.Path)); // no stray name left beside it
        Assert.True(handle.IsClosed);

        using var second = FileSync.OpenAnonymous(dir.Path)!;
        Assert.Throws<DirectoryNotFoundException>(() => PendingChunk.Anonymous("x", second).MoveTo(Path.Combine(dir.Path, "missing", "x")));
    }

    [Fact]
    public void A_discarded_nameless_file_leaves_nothing()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var dir = new TempDirectory();
        var handle = FileSync.OpenAnonymous(dir.Path)!;
        RandomAccess.Write(handle, new byte[4096], 0);
        PendingChunk.Anonymous("x", handle).Discard();
        Assert.True(handle.IsClosed);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }
}
