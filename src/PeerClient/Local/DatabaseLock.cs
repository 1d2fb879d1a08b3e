namespace MyNoSql.Local;

/// <summary>
/// An exclusive lock file in the database folder. The OS releases it when the process dies, so a crash never
/// leaves a stale lock; a second opener (another process or handle) gets <see cref="DatabaseLockedException"/>.
/// </summary>
internal sealed class DatabaseLock : IDisposable
{
    public const string FileName = "LOCK";
    private readonly FileStream _stream;

    private DatabaseLock(FileStream stream) => _stream = stream;

    public static DatabaseLock Acquire(string database, string directory)
    {
        string path = Path.Combine(directory, FileName);
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new DatabaseLock(stream);
        }
        catch (IOException e)
        {
            throw new DatabaseLockedException(database, path, e);
        }
    }

    public void Dispose() => _stream.Dispose();
}
