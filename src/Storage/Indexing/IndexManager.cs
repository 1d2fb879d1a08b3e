using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Indexing;

/// <summary>
/// The secondary indexes of one database over a <see cref="ReplicaStore"/>: a peer's store (key prefix "") or one
/// database in a mirror's store (key prefix = the database's record prefix; id = key without it). Kept in step with
/// every write (an observer of the replica store), persisted under its own directory, crash-consistent with the
/// records. Thread-safe.
/// </summary>
/// <remarks>Layout: <c>{directory}/catalog.json</c> (definitions and folders) and one folder per index
/// (<see cref="SecondaryIndex"/>: <c>MANIFEST.json</c> and <c>run-NNNNNN.ixr</c> files). Dispose it before the
/// <see cref="Engine.RecordStore"/>: closing writes each memtable to a run and checks it against the directory.</remarks>
internal sealed class IndexManager : IAsyncDisposable, IReplicaObserver
{
    private const int MaxFields = 16;
    private const int MaxNameLength = 64;
    private readonly string _directory;
    private readonly IndexedRecords _records;
    private readonly IndexCatalog _catalog;
    private readonly SemaphoreSlim _changes = new(1, 1);
    private volatile SecondaryIndex[] _indexes = [];
    private long _writes;
    private int _disposed;

    private IndexManager(string directory, IndexedRecords records, IndexCatalog catalog)
    {
        _directory = directory;
        _records = records;
        _catalog = catalog;
        QuerySource = new StoreQuerySource(this, records);
    }

    /// <summary>Opens (or creates) the indexes kept in <paramref name="directory"/> and catches them up with the records.</summary>
    /// <param name="directory">Where this database's index files live.</param>
    /// <param name="replica">The records.</param>
    /// <param name="keyPrefix">Engine keys of this database's records start with it; the id is the rest.</param>
    /// <param name="context">Names the database in errors and logs, e.g. <c>database 'orders'</c>.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <exception cref="CorruptDataException">The catalog is damaged (a damaged index file only makes that index rebuild).</exception>
    public static async ValueTask<IndexManager> OpenAsync(string directory, ReplicaStore replica, string keyPrefix, string context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(replica);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        Directory.CreateDirectory(directory);
        var catalog = IndexCatalog.Load(directory);
        var manager = new IndexManager(directory, new IndexedRecords(replica, keyPrefix, context), catalog);
        // Folders of indexes deleted (or whose creation did not finish) before a crash.
        var folders = catalog.Entries.Select(e => e.Folder).ToHashSet(StringComparer.Ordinal);
        foreach (var folder in Directory.EnumerateDirectories(directory))
        {
            if (!folders.Contains(Path.GetFileName(folder))) TryDeleteFolder(folder);
        }
        // Observe first, then load and catch up: a write meanwhile is in the memtable, in the catch-up, or both.
        replica.AddObserver(manager);
        try
        {
            foreach (var (definition, folder) in catalog.Entries)
            {
                var index = new SecondaryIndex(definition, Path.Combine(directory, folder), manager._records);
                manager._indexes = [.. manager._indexes, index];
                // A missing or damaged file: rebuild from the records rather than answer wrongly.
                if (!await index.LoadAsync(cancellationToken).ConfigureAwait(false))
                    await index.BuildAsync(null, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await manager.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return manager;
    }

    /// <summary>Every index's definition, by name (an index still being created is not listed).</summary>
    public IReadOnlyList<IndexDefinition> Definitions => [.. _indexes.Where(i => i.IsReady).Select(i => i.Definition).OrderBy(d => d.Name, StringComparer.Ordinal)];

    /// <summary>The database as the query engine sees it: its live records and these indexes.</summary>
    public IQuerySource QuerySource { get; }

    /// <summary>The indexes ready for queries.</summary>
    internal IReadOnlyList<SecondaryIndex> ReadyIndexes => [.. _indexes.Where(i => i.IsReady)];

    /// <summary>Counts writes to this database (the query source's cached id list is valid while it is unchanged).</summary>
    internal long WriteCount => Interlocked.Read(ref _writes);

    /// <summary>Creates an index and builds it over the existing records before returning. False when an index of
    /// that name with the same fields exists (a no-op).</summary>
    /// <exception cref="ArgumentException">Bad name or fields, or the name is taken by an index with other fields.</exception>
    public async ValueTask<bool> CreateAsync(IndexDefinition definition, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Validate(definition);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var existing = _indexes.FirstOrDefault(i => i.Definition.Name == definition.Name);
            if (existing is not null)
            {
                if (existing.Definition.SameAs(definition)) return false;
                throw new ArgumentException($"{_records.Context}: index '{definition.Name}' exists with fields [{string.Join(", ", existing.Definition.Fields)}].", nameof(definition));
            }
            string folder = _catalog.NewFolder();
            var index = new SecondaryIndex(definition, Path.Combine(_directory, folder), _records);
            // Subscribe before the scan so no write is missed (the validity rule makes duplicates harmless).
            _indexes = [.. _indexes, index];
            try
            {
                await index.BuildAsync(progress, cancellationToken).ConfigureAwait(false);
                _catalog.Add(definition, folder);
            }
            catch
            {
                _indexes = [.. _indexes.Where(i => !ReferenceEquals(i, index))];
                await index.CloseAsync(flush: false).ConfigureAwait(false);
                TryDeleteFolder(index.Folder);
                throw;
            }
            return true;
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Deletes an index and its files; false when there is none of that name.</summary>
    public async ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var index = _indexes.FirstOrDefault(i => i.Definition.Name == name);
            if (index is null) return false;
            // Catalog first: after a crash from here on the folder is an orphan, deleted at open.
            _catalog.Remove(name);
            _indexes = [.. _indexes.Where(i => !ReferenceEquals(i, index))];
            await index.CloseAsync(flush: false).ConfigureAwait(false);
            TryDeleteFolder(index.Folder);
            return true;
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>The index named <paramref name="name"/> (tests and diagnostics); null when absent.</summary>
    internal SecondaryIndex? Find(string name) => _indexes.FirstOrDefault(i => i.Definition.Name == name);

    void IReplicaObserver.OnWritten(in ReplicaWrite write)
    {
        if (!_records.Owns(write.Key)) return;
        Interlocked.Increment(ref _writes);
        var indexes = _indexes;
        if (indexes.Length == 0) return;
        string id = _records.IdOf(write.Key);
        foreach (var index in indexes) index.OnWritten(id, write.Record, write.Sequence);
    }

    /// <summary>Stops observing, writes each memtable to a run and closes the files.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _records.Replica.RemoveObserver(this);
        await _changes.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var index in _indexes) await index.CloseAsync(flush: true).ConfigureAwait(false);
            _indexes = [];
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Checks a definition: name 1–64 chars of [A-Za-z0-9_.-], 1–16 valid field paths.</summary>
    /// <exception cref="ArgumentException">What is wrong.</exception>
    public static void Validate(IndexDefinition definition)
    {
        string name = definition.Name ?? throw new ArgumentException("An index needs a name.", nameof(definition));
        if (name.Length is 0 or > MaxNameLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            throw new ArgumentException($"Index name '{name}' must be 1–{MaxNameLength} characters of A–Z, a–z, 0–9, '_', '.', '-'.", nameof(definition));
        if (definition.Fields is null || definition.Fields.Count is 0 or > MaxFields)
            throw new ArgumentException($"Index '{name}' needs 1–{MaxFields} fields.", nameof(definition));
        foreach (string field in definition.Fields)
        {
            if (field is null) throw new ArgumentException($"Index '{name}' has a null field.", nameof(definition));
            FieldPath.Parse(field);
        }
    }

    private static void TryDeleteFolder(string folder)
    {
        try { Directory.Delete(folder, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
