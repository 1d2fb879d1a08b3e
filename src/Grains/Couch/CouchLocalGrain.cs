using System.Globalization;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using MyNoSql.Grains.Records;
using MyNoSql.Grains.Storage;

namespace MyNoSql.Grains.Couch;

/// <summary>
/// <see cref="ICouchLocalGrain"/>: one <c>_local</c> document in the mirror's grain storage (with per-silo stores, the
/// store of the silo it activated on). While that silo lives every gateway reaches this one activation, so all see the
/// same checkpoint; if the silo is lost, the checkpoint may be older or gone on the next activation, which costs a
/// replicator a longer <c>_changes</c> scan, never data (CouchDB does not replicate <c>_local</c> documents either).
/// Dropping the database (<c>DELETE /couch/{db}</c>, PouchDB's <c>destroy()</c>) deletes its <c>_local</c> documents as
/// CouchDB does: a document written before the drop marker of this silo's store (<see cref="MirrorStore.PredatesDrop(string, long)"/>)
/// reads as missing, so a replicator starts again from the beginning into the new, empty database.
/// </summary>
[GrainType("couchlocal")]
internal sealed class CouchLocalGrain : Grain, ICouchLocalGrain
{
    private readonly IPersistentState<CouchLocalState> _state;

    private readonly MirrorStoreHost? _host;

    public CouchLocalGrain(IPersistentStateFactory states, IGrainContext context, IOptions<MirrorGrainOptions> options, IServiceProvider services)
    {
        _state = states.Create<CouchLocalState>(context, new StateConfiguration("couchlocal", options.Value.StorageName));
        _host = services.GetService<MirrorStoreHost>();
    }

    private string CurrentRev => "0-" + _state.State.Version.ToString(CultureInfo.InvariantCulture);

    /// <summary>The database of the key <c>"{db}/{id}"</c>.</summary>
    private string Database
    {
        get
        {
            string key = this.GetPrimaryKeyString();
            int slash = key.IndexOf('/', StringComparison.Ordinal);
            return slash < 0 ? key : key[..slash];
        }
    }

    /// <summary>The content, unless the database was dropped after it was written (then: none).</summary>
    private async ValueTask<byte[]?> BodyAsync(CancellationToken cancellationToken)
    {
        if (_state.State.Body is not { } body) return null;
        if (_host is null) return body; // shared storage: no drop markers here
        var store = await _host.Store.WaitAsync(cancellationToken);
        return store.PredatesDrop(Database, _state.State.Stamp) ? null : body;
    }

    public async ValueTask<CouchLocalDoc?> Get(CancellationToken cancellationToken = default) =>
        await BodyAsync(cancellationToken) is { } body ? new CouchLocalDoc(CurrentRev, body) : null;

    public async ValueTask<string?> Put(string? rev, byte[]? body, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        bool exists = await BodyAsync(cancellationToken) is not null;
        if (exists && !string.Equals(rev, CurrentRev, StringComparison.Ordinal)) return null;
        if (!exists && body is null) return null;
        _state.State.Version++;
        _state.State.Body = body;
        // The store's clock observed every drop it applied, so this stamp is later than any drop marker it holds now.
        if (_host is not null) _state.State.Stamp = (await _host.Store.WaitAsync(cancellationToken)).Replica.Clock.Next();
        await _state.WriteStateAsync(cancellationToken);
        return body is null ? "0-0" : CurrentRev;
    }
}
