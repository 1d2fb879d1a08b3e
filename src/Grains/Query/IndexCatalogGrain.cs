using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Records;
using MyNoSql.Storage.Documents;

using MyNoSql.Grains.Mirror;

namespace MyNoSql.Grains.Query;

/// <summary>
/// <see cref="IIndexCatalogGrain"/>, keyed by the database name. Its state is persisted with the mirror's grain
/// storage; with per-silo stores that is the store of the silo it activated on, so on activation it also asks every
/// active silo which catalog version it applied last and adopts the newest (read repair: every mirror keeps the
/// version it applied on disk). A change validates the definition, builds it on this silo first (so a definition
/// the index engine refuses never enters the catalog), persists the new version, then pushes the whole catalog to
/// every active silo and waits (bounded by <see cref="PushTimeout"/>) until they have built it. A silo that misses a
/// push reconciles at its start and before its next query once its confirmation is older than
/// <see cref="MirrorIndexes.RefreshInterval"/>.
/// </summary>
[GrainType("idxcat")]
internal sealed partial class IndexCatalogGrain : Grain, IIndexCatalogGrain
{
    /// <summary>How long a change waits for the other silos to build or drop an index before it answers anyway.</summary>
    internal static readonly TimeSpan PushTimeout = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);
    private readonly IPersistentState<IndexCatalogState> _state;
    private readonly IClusterMembershipService _membership;
    private readonly IIndexServiceClient _silos;
    private readonly MirrorIndexes _local;
    private readonly ILogger<IndexCatalogGrain> _logger;
    private string _database = "";

    public IndexCatalogGrain(IPersistentStateFactory states, IGrainContext context, IOptions<MirrorGrainOptions> options,
        IClusterMembershipService membership, IIndexServiceClient silos, MirrorIndexes local, ILogger<IndexCatalogGrain> logger)
    {
        _state = states.Create<IndexCatalogState>(context, new StateConfiguration("indexcatalog", options.Value.StorageName));
        _membership = membership;
        _silos = silos;
        _local = local;
        _logger = logger;
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _database = this.GetPrimaryKeyString();
        if (!DatabaseName.IsValid(_database)) throw new ArgumentException($"'{_database}' is not a valid database name.");
        if (!_local.Enabled) return; // shared storage: the persisted state is the one copy
        var known = await SiloFanOut.AskAsync(_membership, silo => _silos.For(silo).GetKnown(_database, cancellationToken), AskTimeout,
            (e, silo) => LogAskFailed(e, _database, silo), cancellationToken);
        var newest = known.OfType<IndexCatalog>().OrderByDescending(c => c.Version).FirstOrDefault();
        if (newest is not null && newest.Version > _state.State.Version)
        {
            LogRepaired(_database, _state.State.Version, newest.Version);
            _state.State = new IndexCatalogState { Version = newest.Version, Indexes = [.. newest.Indexes] };
            await _state.WriteStateAsync(cancellationToken);
        }
    }

    public Task<IndexCatalog> Get(CancellationToken cancellationToken = default) => Task.FromResult(_state.State.ToCatalog());

    public async Task<IndexCreateReply> Create(IndexSpec index, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (IndexRules.Problem(index) is { } problem) return new IndexCreateReply(IndexCreateStatus.Invalid, problem);
        var existing = _state.State.Indexes.FirstOrDefault(i => i.Name == index.Name);
        if (existing is not null)
        {
            return IndexRules.Same(existing, index)
                ? new IndexCreateReply(IndexCreateStatus.Exists)
                : new IndexCreateReply(IndexCreateStatus.Conflict,
                    $"Index '{index.Name}' of database '{_database}' exists with fields [{string.Join(", ", existing.Fields)}]; delete it first to change its fields.");
        }
        if (await _local.TryCreateAsync(_database, index, cancellationToken) is { } refused)
            return new IndexCreateReply(IndexCreateStatus.Invalid, refused);
        var next = new IndexCatalogState { Version = _state.State.Version + 1, Indexes = [.. _state.State.Indexes, index] };
        await CommitAsync(next, cancellationToken);
        LogCreated(_database, index.Name, string.Join(", ", index.Fields), next.Version);
        return new IndexCreateReply(IndexCreateStatus.Created);
    }

    public async Task<bool> Delete(string name, CancellationToken cancellationToken = default)
    {
        if (!_state.State.Indexes.Any(i => i.Name == name)) return false;
        var next = new IndexCatalogState { Version = _state.State.Version + 1, Indexes = [.. _state.State.Indexes.Where(i => i.Name != name)] };
        await CommitAsync(next, cancellationToken);
        LogDeleted(_database, name, next.Version);
        return true;
    }

    private async Task CommitAsync(IndexCatalogState next, CancellationToken cancellationToken)
    {
        var previous = _state.State;
        _state.State = next;
        try
        {
            await _state.WriteStateAsync(cancellationToken);
        }
        catch
        {
            _state.State = previous;
            throw;
        }
        if (!_local.Enabled) return;
        var catalog = next.ToCatalog();
        // A silo that misses it reconciles by itself (at start, or before a query once its confirmation is stale).
        await SiloFanOut.TellAsync(_membership, silo => _silos.For(silo).Apply(_database, catalog, CancellationToken.None), PushTimeout,
            (e, silo) => LogPushFailed(e, _database, silo, catalog.Version), cancellationToken);
    }

    [LoggerMessage(EventId = 2730, Level = LogLevel.Information, Message = "Database '{Database}': index '{Index}' on [{Fields}] created (catalog version {Version})")]
    private partial void LogCreated(string database, string index, string fields, long version);

    [LoggerMessage(EventId = 2731, Level = LogLevel.Information, Message = "Database '{Database}': index '{Index}' deleted (catalog version {Version})")]
    private partial void LogDeleted(string database, string index, long version);

    [LoggerMessage(EventId = 2732, Level = LogLevel.Warning, Message = "Database '{Database}': mirror {Silo} did not apply index catalog version {Version} in time; it reconciles by itself")]
    private partial void LogPushFailed(Exception error, string database, SiloAddress silo, long version);

    [LoggerMessage(EventId = 2733, Level = LogLevel.Information, Message = "Database '{Database}': index catalog repaired from version {Stored} to {Newest} held by a mirror")]
    private partial void LogRepaired(string database, long stored, long newest);

    [LoggerMessage(EventId = 2734, Level = LogLevel.Warning, Message = "Database '{Database}': mirror {Silo} did not tell which index catalog it holds")]
    private partial void LogAskFailed(Exception error, string database, SiloAddress silo);
}
