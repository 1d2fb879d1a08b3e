using MyNoSql.Storage.Query;

namespace MyNoSql;

public sealed partial class MyNoSqlDb
{
    /// <summary>
    /// Creates a secondary index over <paramref name="fields"/> (dotted paths; a document without a field is indexed
    /// as "missing", which sorts before null) and builds it over the records this replica holds before returning.
    /// From then on it is kept in step with every save, delete and sync merge, and survives crashes in step with the
    /// records. Creating the same name with the same fields again is a no-op.
    /// </summary>
    /// <param name="name">1–64 characters of A–Z, a–z, 0–9, '_', '.', '-'.</param>
    /// <param name="fields">1–16 dotted field paths, in key order; <c>id</c> and <c>rev</c> are indexable.</param>
    /// <param name="cancellationToken">Cancels the build (nothing is kept).</param>
    /// <returns>True when the index was created; false when an index of that name with the same fields exists.</returns>
    /// <exception cref="ArgumentException">A bad name or field path, or the name is taken by an index with other fields.</exception>
    public async Task<bool> CreateIndexAsync(string name, IReadOnlyList<string> fields, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(fields);
        ThrowIfDisposed();
        return await _store.Indexes.CreateAsync(new IndexDefinition(name, [.. fields]), null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The indexes of this database, by name.</summary>
    /// <param name="cancellationToken">Unused: the list is in memory.</param>
    public Task<IReadOnlyList<IndexInfo>> ListIndexesAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<IndexInfo> list = [.. _store.Indexes.Definitions.Select(d => new IndexInfo(d.Name, [.. d.Fields]))];
        return Task.FromResult(list);
    }

    /// <summary>Deletes an index and its files.</summary>
    /// <param name="name">The index name.</param>
    /// <param name="cancellationToken">Cancels waiting for another index change in progress.</param>
    /// <returns>False when there is no index of that name.</returns>
    public async Task<bool> DeleteIndexAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ThrowIfDisposed();
        return await _store.Indexes.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
    }
}
