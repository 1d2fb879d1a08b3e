using Orleans.Services;

namespace MyNoSql.Grains;

/// <summary>
/// The per-silo keeper of a mirror's own secondary indexes (one instance on every silo, reached by silo address):
/// it builds and drops its local indexes to match the cluster-wide catalog (<see cref="IIndexCatalogGrain"/>).
/// </summary>
[Alias("mynosql.IIndexService")]
public interface IIndexService : IGrainService
{
    /// <summary>The catalog of <paramref name="database"/> this silo last applied; null when it knows none.</summary>
    [Alias("GetKnown")]
    Task<IndexCatalog?> GetKnown(string database, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes this silo's indexes of <paramref name="database"/> match <paramref name="catalog"/> (creating and building
    /// the missing ones, dropping the others) unless it already applied a newer version; returns once done.
    /// </summary>
    [Alias("Apply")]
    Task Apply(string database, IndexCatalog catalog, CancellationToken cancellationToken = default);
}
