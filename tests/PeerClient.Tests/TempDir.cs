namespace MyNoSql.PeerClient.Tests;

/// <summary>A temporary data directory removed at dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mynosql-tests", Guid.NewGuid().ToString("N"));

    /// <summary>Options for a test database; the background sync loop is off so no test depends on what listens where.</summary>
    public MyNoSqlOptions Options(DurabilityMode durability = DurabilityMode.Durable) =>
        new() { DataDirectory = Path, Durability = durability, SyncInterval = Timeout.InfiniteTimeSpan };

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
