using System.Text.Json.Nodes;

namespace MyNoSql.PeerClient.Tests;

public class BadInputTests
{
    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("../etc")]
    [InlineData("UPPER")]
    [InlineData("x2345678901234567890123456789012345678901234567890123456789012345")]
    public async Task Invalid_database_names_are_refused_and_nothing_is_created(string name)
    {
        using var dir = new TempDir();
        await Assert.ThrowsAsync<ArgumentException>(() => MyNoSqlDb.OpenAsync(name, dir.Options()));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task Negative_cache_sizes_are_refused_naming_the_option()
    {
        using var dir = new TempDir();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => MyNoSqlDb.OpenAsync("caches", new MyNoSqlOptions { DataDirectory = dir.Path, DocumentCacheBytes = -1 }));
        Assert.Contains("DocumentCacheBytes", e.Message, StringComparison.Ordinal);
        e = await Assert.ThrowsAsync<ArgumentException>(() => MyNoSqlDb.OpenAsync("caches", new MyNoSqlOptions { DataDirectory = dir.Path, CacheSizeBytes = -1 }));
        Assert.Contains("CacheSizeBytes", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task A_data_directory_that_is_a_file_is_refused_naming_it_and_the_file_is_untouched()
    {
        using var dir = new TempDir();
        string file = Path.Combine(dir.Path, "afile");
        await File.WriteAllTextAsync(file, "mine");
        var e = await Assert.ThrowsAsync<ArgumentException>(() => MyNoSqlDb.OpenAsync("x", new MyNoSqlOptions { DataDirectory = file }));
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        Assert.Equal("mine", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task Listing_with_a_cancelled_token_throws_even_when_nothing_matches()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("empty", dir.Options());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await db.ListIdsAsync("", cancelled.Token).ToListAsync());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await db.ListIdsAsync("", null, 10, cancelled.Token).ToListAsync());
    }

    [Fact]
    public async Task Invalid_ids_and_documents_are_argument_errors_and_write_nothing()
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("bad", new MyNoSqlOptions { DataDirectory = dir.Path, MaxDocumentSize = 4096 });
        await Assert.ThrowsAnyAsync<ArgumentException>(() => db.SaveDocAsync(new JsonObject { ["id"] = "" }));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => db.SaveDocAsync(new JsonObject { ["id"] = 42 }));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => db.SaveDocAsync(new JsonObject { ["id"] = new JsonObject() }));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => db.SaveDocAsync(new JsonObject { ["id"] = "tab\there" }));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => db.SaveDocAsync(new JsonObject { ["id"] = new string('x', 513) }));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => db.SaveDocAsync(new JsonObject { ["blob"] = new string('x', 5000) }));
        await Assert.ThrowsAsync<ArgumentException>(() => db.ReadDocAsync(""));
        await Assert.ThrowsAsync<ArgumentException>(() => db.ReadDocAsync("nul\0"));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => db.SaveDocsAsync([new JsonObject { ["id"] = "ok" }, new JsonObject { ["id"] = 1 }]));
        await Assert.ThrowsAsync<ArgumentNullException>(() => db.SaveDocAsync(null!));
        Assert.Null(await db.ReadDocAsync("ok"));
        Assert.Equal(0, db.GetSyncStatus().PendingWrites);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a url")]
    [InlineData("ftp://host/")]
    [InlineData("http://user:secret@host:8800")]
    [InlineData("http://host:8800/?x=1")]
    [InlineData("orleans://host")]
    [InlineData("/relative/path")]
    public async Task AddPeer_validates_the_url(string url)
    {
        using var dir = new TempDir();
        await using var db = await MyNoSqlDb.OpenAsync("peers", dir.Options());
        await Assert.ThrowsAsync<ArgumentException>(() => db.AddPeerAsync(url));
        Assert.Empty(db.GetSyncStatus().Mirrors);
    }

    [Fact]
    public async Task A_disposed_database_throws_ObjectDisposedException()
    {
        using var dir = new TempDir();
        var db = await MyNoSqlDb.OpenAsync("gone", dir.Options());
        await db.DisposeAsync();
        await db.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => db.SaveDocAsync(new JsonObject()));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => db.ReadDocAsync("x"));
        Assert.Throws<ObjectDisposedException>(() => db.GetSyncStatus());
    }

    [Fact]
    public async Task A_second_open_in_the_same_process_is_refused_until_the_first_closes()
    {
        using var dir = new TempDir();
        var first = await MyNoSqlDb.OpenAsync("locked", dir.Options());
        var e = await Assert.ThrowsAsync<DatabaseLockedException>(() => MyNoSqlDb.OpenAsync("locked", dir.Options()));
        Assert.Contains("locked", e.Message);
        await first.DisposeAsync();
        await using var again = await MyNoSqlDb.OpenAsync("locked", dir.Options());
    }

    [Fact]
    public async Task A_second_process_gets_a_clear_error()
    {
        using var dir = new TempDir();
        using var holder = ChildProcess.Start("hold", dir.Path, "shared");
        await holder.WaitForLineAsync(l => l == "READY", TimeSpan.FromSeconds(60));
        await Assert.ThrowsAsync<DatabaseLockedException>(() => MyNoSqlDb.OpenAsync("shared", dir.Options()));
        holder.CloseInput();
        Assert.True(await holder.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await using var mine = await MyNoSqlDb.OpenAsync("shared", dir.Options());
    }
}
