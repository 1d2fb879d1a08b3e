using Orleans.Concurrency;

namespace MyNoSql.Grains;

/// <summary>
/// The cluster-wide catalog of one database's secondary indexes, keyed by the database name: the source of truth
/// every mirror reconciles its own local indexes with. Persisted with the mirror's grain storage and versioned.
/// </summary>
[Alias("mynosql.IIndexCatalogGrain")]
public interface IIndexCatalogGrain : IGrainWithStringKey
{
    /// <summary>The current catalog.</summary>
    [Alias("Get"), ReadOnly, AlwaysInterleave]
    Task<IndexCatalog> Get(CancellationToken cancellationToken = default);

    /// <summary>Adds an index (same name and fields again: a no-op) and asks every live mirror to build it.</summary>
    [Alias("Create")]
    Task<IndexCreateReply> Create(IndexSpec index, CancellationToken cancellationToken = default);

    /// <summary>Removes an index and asks every live mirror to drop it; false when there is none of that name.</summary>
    [Alias("Delete")]
    Task<bool> Delete(string name, CancellationToken cancellationToken = default);
}
