using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Indexing;

/// <summary>
/// The secondary indexes of one database over a <see cref="ReplicaStore"/>: a peer's store (key prefix "") or one
/// database in a mirror's store (key prefix = the database's record prefix; id = key without it). Kept in step with
/// every write (an observer of the replica store), persisted under its own directory, crash-consistent with the
/// records. Thread-safe.
/// </summary>
internal sealed class IndexManager : IAsyncDisposable
{
    /// <summary>Opens (or creates) the indexes kept in <paramref name="directory"/> and catches them up with the records.</summary>
    /// <param name="directory">Where this database's index files live.</param>
    /// <param name="replica">The records.</param>
    /// <param name="keyPrefix">Engine keys of this database's records start with it; the id is the rest.</param>
    /// <param name="context">Names the database in errors and logs, e.g. <c>database 'orders'</c>.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    public static ValueTask<IndexManager> OpenAsync(string directory, ReplicaStore replica, string keyPrefix, string context, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("IndexManager: secondary indexes are being built.");

    /// <summary>Every index's definition, by name.</summary>
    public IReadOnlyList<IndexDefinition> Definitions => throw new NotImplementedException();

    /// <summary>The database as the query engine sees it: its live records and these indexes.</summary>
    public IQuerySource QuerySource => throw new NotImplementedException();

    /// <summary>Creates an index and builds it over the existing records before returning. False when an index of
    /// that name with the same fields exists (a no-op).</summary>
    /// <exception cref="ArgumentException">Bad name or fields, or the name is taken by an index with other fields.</exception>
    public ValueTask<bool> CreateAsync(IndexDefinition definition, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Deletes an index and its files; false when there is none of that name.</summary>
    public ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
