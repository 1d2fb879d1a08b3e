using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Indexing;
using MyNoSql.Storage.Query;

namespace MyNoSql.Grains.Query;

/// <summary>
/// This silo's own secondary indexes: one <see cref="IndexManager"/> per database over the silo's
/// <see cref="MirrorStore"/> (files under <c>&lt;data&gt;/indexes/&lt;db&gt;/</c>, beside the store's directory), opened
/// on first use and closed before the store. Which indexes exist is decided cluster-wide by
/// <see cref="IIndexCatalogGrain"/>: this class applies a catalog (<see cref="ApplyAsync"/>: build what is missing,
/// drop what is not listed) and remembers the version it applied in <c>&lt;data&gt;/indexes/_catalog/&lt;db&gt;.json</c>.
/// It reconciles with the catalog grain when the silo starts (every database it holds records or indexes of), and
/// before serving a query when it last confirmed its version more than <see cref="RefreshInterval"/> ago (so a silo
/// that missed a change while down, or joined later, builds the index too). Thread-safe.
/// </summary>
internal sealed partial class MirrorIndexes : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>How long a confirmed catalog version is trusted before a query asks the catalog grain again.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    private const string CatalogFolder = "_catalog";
    private readonly MirrorStoreHost? _host;
    private readonly IOptions<LzmaShardStorageOptions>? _storage;
    private readonly IGrainFactory _grains;
    private readonly ILogger<MirrorIndexes> _logger;
    private readonly ConcurrentDictionary<string, DatabaseIndexes> _databases = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task _startup = Task.CompletedTask;
    private bool _closed;

    public MirrorIndexes(IServiceProvider services, IGrainFactory grains, ILogger<MirrorIndexes> logger)
    {
        _host = services.GetService<MirrorStoreHost>();
        _storage = services.GetService<IOptions<LzmaShardStorageOptions>>();
        _grains = grains;
        _logger = logger;
    }

    /// <summary>False with shared storage (no local store to index): queries are not served then.</summary>
    public bool Enabled => _host is not null;

    /// <summary>The folder holding every database's index folder.</summary>
    public string Root
    {
        get
        {
            string store = Path.GetFullPath(_storage?.Value.Directory is { Length: > 0 } d ? d : "mirror");
            return Path.Combine(Path.GetDirectoryName(store) ?? store, "indexes");
        }
    }

    public void Participate(ISiloLifecycle lifecycle)
    {
        // Closed at a later stage than the store opens (RuntimeInitialize), so every index closes before the store.
        lifecycle.Subscribe(nameof(MirrorIndexes), ServiceLifecycleStage.ApplicationServices, _ => Task.CompletedTask, CloseAsync);
        lifecycle.Subscribe(nameof(MirrorIndexes), ServiceLifecycleStage.Active, StartReconcilingAsync, StopReconcilingAsync);
    }

    /// <summary>The database as the query engine sees it on this silo, its indexes reconciled with the catalog when stale.</summary>
    /// <exception cref="InvalidOperationException">This silo has no local store (shared storage).</exception>
    public async Task<IQuerySource> SourceAsync(string database, CancellationToken cancellationToken)
    {
        await EnsureCurrentAsync(database, force: false, cancellationToken).ConfigureAwait(false);
        var db = Get(database);
        if (_host is not null && db.Manager is null && (db.Known is null || db.Known.Indexes.Length == 0)
            && !Directory.Exists(Path.Combine(Root, database)) && !(await _host.Store.ConfigureAwait(false)).Index.Holds(database))
        {
            // Any valid name may be queried: one this silo holds nothing of costs neither index files nor memory.
            return new EmptyQuerySource($"database '{database}'");
        }
        var source = (await ManagerAsync(database, cancellationToken).ConfigureAwait(false)).QuerySource;
        return _host is null ? source : new DamageReportingQuerySource(source, database, await _host.Store.ConfigureAwait(false));
    }

    /// <summary>The catalog this silo last applied for <paramref name="database"/>; null when none.</summary>
    public async Task<IndexCatalog?> KnownAsync(string database, CancellationToken cancellationToken)
    {
        if (!Enabled || !DatabaseName.IsValid(database)) return null;
        var db = Get(database);
        if (db.Known is { } known) return known;
        await db.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await LoadKnownAsync(database, db, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            db.Gate.Release();
        }
    }

    /// <summary>
    /// Creates and builds <paramref name="index"/> on this silo only (the catalog grain does this on its own silo before
    /// it records a new index, so a definition the index engine refuses never enters the catalog).
    /// </summary>
    /// <returns>Null when built (or it existed); else why the index engine refused it.</returns>
    public async Task<string?> TryCreateAsync(string database, IndexSpec index, CancellationToken cancellationToken)
    {
        if (!Enabled) return null;
        var db = Get(database);
        await db.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var manager = await ManagerAsync(database, cancellationToken).ConfigureAwait(false);
            var existing = manager.Definitions.FirstOrDefault(d => d.Name == index.Name);
            if (existing is not null && !existing.SameAs(IndexRules.ToDefinition(index)))
                await manager.DeleteAsync(index.Name, cancellationToken).ConfigureAwait(false); // a leftover the catalog no longer lists
            await manager.CreateAsync(IndexRules.ToDefinition(index), cancellationToken: cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
        finally
        {
            db.Gate.Release();
        }
    }

    /// <summary>
    /// Makes this silo's indexes of <paramref name="database"/> match <paramref name="catalog"/> unless a newer version
    /// was applied already: drops the indexes it does not list, creates and builds the missing ones, then records the
    /// version. A definition the index engine refuses is logged and skipped (queries scan instead).
    /// </summary>
    public async Task ApplyAsync(string database, IndexCatalog catalog, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (!Enabled || !DatabaseName.IsValid(database)) return;
        var db = Get(database);
        await db.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var known = await LoadKnownAsync(database, db, cancellationToken).ConfigureAwait(false);
            if (known is not null && known.Version > catalog.Version) return;
            bool nothingLocal = known is null && catalog.Indexes.Length == 0 && !Directory.Exists(Path.Combine(Root, database));
            if (!nothingLocal)
            {
                var manager = await ManagerAsync(database, cancellationToken).ConfigureAwait(false);
                foreach (var definition in manager.Definitions.ToList())
                {
                    if (catalog.Indexes.Any(i => IndexRules.ToDefinition(i).SameAs(definition))) continue;
                    await manager.DeleteAsync(definition.Name, cancellationToken).ConfigureAwait(false);
                    LogDropped(database, definition.Name, catalog.Version);
                }
                foreach (var index in catalog.Indexes)
                {
                    try
                    {
                        if (await manager.CreateAsync(IndexRules.ToDefinition(index), cancellationToken: cancellationToken).ConfigureAwait(false))
                            LogBuilt(database, index.Name, catalog.Version);
                    }
                    catch (ArgumentException e)
                    {
                        LogRefused(e, database, index.Name);
                    }
                }
            }
            // Version 0 (no index ever defined) is not written down: no file per database that never had an index.
            if (known is null ? catalog.Version > 0 : known.Version != catalog.Version)
                await SaveKnownAsync(database, catalog, cancellationToken).ConfigureAwait(false);
            db.Known = catalog;
            db.CheckedAt = DateTime.UtcNow;
        }
        finally
        {
            db.Gate.Release();
        }
    }

    /// <summary>
    /// Asks the catalog grain for the current catalog when this silo's was last confirmed more than
    /// <see cref="RefreshInterval"/> ago (or <paramref name="force"/>), and applies it when it differs. When the catalog
    /// grain cannot be reached, the local indexes serve (queries stay correct: an index only makes them faster).
    /// </summary>
    public async Task EnsureCurrentAsync(string database, bool force, CancellationToken cancellationToken)
    {
        if (!Enabled) return;
        var db = Get(database);
        if (!force && db.Known is not null && DateTime.UtcNow - db.CheckedAt < RefreshInterval) return;
        try
        {
            var current = await _grains.GetGrain<IIndexCatalogGrain>(database).Get(cancellationToken).ConfigureAwait(false);
            var known = await KnownAsync(database, cancellationToken).ConfigureAwait(false);
            if (known is null || known.Version != current.Version || db.Manager is null && current.Indexes.Length > 0)
                await ApplyAsync(database, current, cancellationToken).ConfigureAwait(false);
            else
                db.CheckedAt = DateTime.UtcNow;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogCatalogUnreachable(e, database);
        }
    }

    private DatabaseIndexes Get(string database) => _databases.GetOrAdd(database, _ => new DatabaseIndexes());

    private async Task<IndexManager> ManagerAsync(string database, CancellationToken cancellationToken)
    {
        if (_host is null) throw new InvalidOperationException($"Database '{database}': queries need this mirror's own store (--storage lzma-shards).");
        var db = Get(database);
        var opening = db.Manager;
        if (opening is null)
        {
            lock (db)
            {
                ObjectDisposedException.ThrowIf(_closed, this);
                db.Manager ??= OpenAsync(database);
                opening = db.Manager;
            }
        }
        try
        {
            return await opening.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (opening.IsFaulted)
        {
            lock (db)
            {
                if (ReferenceEquals(db.Manager, opening)) db.Manager = null; // the next call tries again
            }
            throw;
        }
    }

    private async Task<IndexManager> OpenAsync(string database)
    {
        var store = await _host!.Store.ConfigureAwait(false);
        string directory = Path.Combine(Root, database);
        var manager = await IndexManager.OpenAsync(directory, store.Replica, MirrorKeys.DatabasePrefix(database), $"database '{database}'", _stopping.Token).ConfigureAwait(false);
        LogOpened(database, directory, manager.Definitions.Count);
        return manager;
    }

    private string CatalogPath(string database) => Path.Combine(Root, CatalogFolder, database + ".json");

    private async Task<IndexCatalog?> LoadKnownAsync(string database, DatabaseIndexes db, CancellationToken cancellationToken)
    {
        if (db.Known is not null) return db.Known;
        string path = CatalogPath(database);
        if (!File.Exists(path)) return null;
        try
        {
            var node = JsonNode.Parse(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false))!.AsObject();
            var indexes = node["indexes"]!.AsArray().Select(i => new IndexSpec((string)i!["name"]!, [.. i["fields"]!.AsArray().Select(f => (string)f!)]));
            db.Known = new IndexCatalog((long)node["version"]!, [.. indexes]);
            return db.Known;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            // Only a cache of the catalog grain's answer: a damaged copy means "unknown", and the next check re-applies.
            LogBadCatalogFile(e, database, path);
            return null;
        }
    }

    private async Task SaveKnownAsync(string database, IndexCatalog catalog, CancellationToken cancellationToken)
    {
        string path = CatalogPath(database);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var json = new JsonObject
        {
            ["version"] = catalog.Version,
            ["indexes"] = new JsonArray([.. catalog.Indexes.Select(i => (JsonNode)new JsonObject
            {
                ["name"] = i.Name,
                ["fields"] = new JsonArray([.. i.Fields.Select(f => (JsonNode)JsonValue.Create(f))]),
            })]),
        };
        string temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, json.ToJsonString(), cancellationToken).ConfigureAwait(false);
        File.Move(temp, path, overwrite: true);
    }

    private Task StartReconcilingAsync(CancellationToken cancellationToken)
    {
        if (_host is null) return Task.CompletedTask;
        // In the background: the silo serves at once; a query meanwhile reconciles its own database anyway.
        _startup = Task.Run(ReconcileAllAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task ReconcileAllAsync()
    {
        try
        {
            var store = await _host!.Store.ConfigureAwait(false);
            var databases = new SortedSet<string>(store.Index.Databases(), StringComparer.Ordinal);
            if (Directory.Exists(Root))
            {
                foreach (var dir in Directory.EnumerateDirectories(Root)) databases.Add(Path.GetFileName(dir));
                string catalogs = Path.Combine(Root, CatalogFolder);
                if (Directory.Exists(catalogs))
                    foreach (var file in Directory.EnumerateFiles(catalogs, "*.json")) databases.Add(Path.GetFileNameWithoutExtension(file));
            }
            foreach (var database in databases.Where(DatabaseName.IsValid))
            {
                _stopping.Token.ThrowIfCancellationRequested();
                await EnsureCurrentAsync(database, force: true, _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogStartupReconcileFailed(e);
        }
    }

    private async Task StopReconcilingAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _startup.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
        }
    }

    private async Task CloseAsync(CancellationToken cancellationToken)
    {
        List<Task<IndexManager>> open = [];
        foreach (var db in _databases.Values)
        {
            lock (db)
            {
                if (db.Manager is { } m) open.Add(m);
                db.Manager = null;
            }
        }
        _closed = true;
        foreach (var task in open)
        {
            try
            {
                await (await task.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (task.IsFaulted || e is ObjectDisposedException)
            {
                // It never opened: nothing to close.
            }
        }
    }

    private sealed class DatabaseIndexes
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Task<IndexManager>? Manager { get; set; }

        public IndexCatalog? Known { get; set; }

        public DateTime CheckedAt { get; set; }
    }

    [LoggerMessage(EventId = 2710, Level = LogLevel.Information, Message = "Database '{Database}': indexes opened at {Directory} ({Count} indexes)")]
    private partial void LogOpened(string database, string directory, int count);

    [LoggerMessage(EventId = 2711, Level = LogLevel.Information, Message = "Database '{Database}': index '{Index}' built (catalog version {Version})")]
    private partial void LogBuilt(string database, string index, long version);

    [LoggerMessage(EventId = 2712, Level = LogLevel.Information, Message = "Database '{Database}': index '{Index}' dropped (catalog version {Version})")]
    private partial void LogDropped(string database, string index, long version);

    [LoggerMessage(EventId = 2713, Level = LogLevel.Error, Message = "Database '{Database}': index '{Index}' of the catalog was refused by this mirror's index engine; queries scan instead")]
    private partial void LogRefused(Exception error, string database, string index);

    [LoggerMessage(EventId = 2714, Level = LogLevel.Warning, Message = "Database '{Database}': the index catalog could not be reached; this mirror's indexes serve as they are")]
    private partial void LogCatalogUnreachable(Exception error, string database);

    [LoggerMessage(EventId = 2715, Level = LogLevel.Warning, Message = "Database '{Database}': the local copy of the index catalog at {Path} is unreadable; it is fetched again")]
    private partial void LogBadCatalogFile(Exception error, string database, string path);

    [LoggerMessage(EventId = 2716, Level = LogLevel.Warning, Message = "Reconciling the indexes with their catalogs at start failed; each database reconciles before its next query")]
    private partial void LogStartupReconcileFailed(Exception error);
}
