using MyNoSql.Storage.Documents;

namespace MyNoSql.Grains.Mirror;

/// <summary>Dropping a database on this silo (<see cref="DatabaseDrops"/>); the work runs off the service's scheduler.</summary>
internal sealed partial class MirrorService
{
    public Task<bool> DropDatabase(string database, long stamp, CancellationToken cancellationToken = default)
    {
        DatabaseName.Validate(database, nameof(database));
        if (_drops is null) return Task.FromResult(false);
        return Task.Run(() => _drops.DropAsync(database, stamp, cancellationToken), cancellationToken);
    }

    public Task<Dictionary<string, long>> ExchangeDrops(Dictionary<string, long> known, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(known);
        if (_drops is null) return Task.FromResult(new Dictionary<string, long>());
        return Task.Run(() => _drops.ExchangeAsync(known, cancellationToken), cancellationToken);
    }
}
