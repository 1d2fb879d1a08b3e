using System.Collections.Concurrent;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;

namespace MyNoSql.Storage.Mirror;

/// <summary>
/// A mirror's local copy of every database: one <see cref="DocumentStore"/> (with a <see cref="LocalIndex"/>) per
/// database under <c>{root}/dbs/{name}</c>, opened on first use and kept open. Thread-safe.
/// </summary>
internal sealed class DatabaseCatalog(string root, StoreOptions template, int maxDocumentSize) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<DocumentStore>>> _open = new(StringComparer.Ordinal);
    private int _disposed;

    public string Root { get; } = Path.GetFullPath(root);

    public int MaxDocumentSize => maxDocumentSize;

    /// <summary>The database's store, opened (and created) on first use.</summary>
    /// <exception cref="ArgumentException">Invalid database name.</exception>
    public Task<DocumentStore> GetAsync(string database)
    {
        DatabaseName.Validate(database, nameof(database));
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var lazy = _open.GetOrAdd(database, name => new Lazy<Task<DocumentStore>>(() => OpenAsync(name)));
        var task = lazy.Value;
        // A failed open is not cached: the next caller retries (e.g. after a disk problem was fixed).
        if (task.IsFaulted) _open.TryRemove(new KeyValuePair<string, Lazy<Task<DocumentStore>>>(database, lazy));
        return task;
    }

    /// <summary>Databases that exist on disk or are open.</summary>
    public IReadOnlyList<string> Names()
    {
        var names = new SortedSet<string>(_open.Keys, StringComparer.Ordinal);
        string dbs = Path.Combine(Root, "dbs");
        if (Directory.Exists(dbs))
            foreach (var dir in Directory.EnumerateDirectories(dbs))
            {
                string name = Path.GetFileName(dir);
                if (DatabaseName.IsValid(name)) names.Add(name);
            }
        return names.ToList();
    }

    private async Task<DocumentStore> OpenAsync(string name)
    {
        var options = new StoreOptions
        {
            Name = name,
            ShardCount = template.ShardCount,
            Durability = template.Durability,
            RelaxedFlushInterval = template.RelaxedFlushInterval,
            BlockCacheBytes = template.BlockCacheBytes,
            BlockSize = template.BlockSize,
            LzmaDictionarySize = template.LzmaDictionarySize,
            LzmaFastBytes = template.LzmaFastBytes,
            LogSealThresholdBytes = template.LogSealThresholdBytes,
            BackgroundCompaction = template.BackgroundCompaction,
            SealOnClose = template.SealOnClose,
        };
        return await DocumentStore.OpenAsync(name, Path.Combine(Root, "dbs", name), options, maxDocumentSize, trackIndex: true).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var lazy in _open.Values)
        {
            if (!lazy.IsValueCreated) continue;
            try
            {
                var store = await lazy.Value.ConfigureAwait(false);
                await store.DisposeAsync().ConfigureAwait(false);
            }
            catch (MyNoSqlException) { } // failed opens have nothing to close
            catch (IOException) { }
        }
        _open.Clear();
    }
}
