using System.Globalization;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Records;

namespace MyNoSql.Grains.Couch;

/// <summary>
/// <see cref="ICouchLocalGrain"/>: one <c>_local</c> document in the mirror's grain storage (with per-silo stores, the
/// store of the silo it activated on). While that silo lives every gateway reaches this one activation, so all see the
/// same checkpoint; if the silo is lost, the checkpoint may be older or gone on the next activation, which costs a
/// replicator a longer <c>_changes</c> scan, never data (CouchDB does not replicate <c>_local</c> documents either).
/// </summary>
[GrainType("couchlocal")]
internal sealed class CouchLocalGrain : Grain, ICouchLocalGrain
{
    private readonly IPersistentState<CouchLocalState> _state;

    public CouchLocalGrain(IPersistentStateFactory states, IGrainContext context, IOptions<MirrorGrainOptions> options) =>
        _state = states.Create<CouchLocalState>(context, new StateConfiguration("couchlocal", options.Value.StorageName));

    private string CurrentRev => "0-" + _state.State.Version.ToString(CultureInfo.InvariantCulture);

    public ValueTask<CouchLocalDoc?> Get(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_state.State.Body is { } body ? new CouchLocalDoc(CurrentRev, body) : null);

    public async ValueTask<string?> Put(string? rev, byte[]? body, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        bool exists = _state.State.Body is not null;
        if (exists && !string.Equals(rev, CurrentRev, StringComparison.Ordinal)) return null;
        if (!exists && body is null) return null;
        _state.State.Version++;
        _state.State.Body = body;
        await _state.WriteStateAsync(cancellationToken);
        return body is null ? "0-0" : CurrentRev;
    }
}
