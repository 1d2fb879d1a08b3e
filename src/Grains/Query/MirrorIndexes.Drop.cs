using MyNoSql.Storage.Indexing;

namespace MyNoSql.Grains.Query;

/// <summary>Dropping a database (<c>DELETE /db/{db}</c>): this silo's secondary indexes and its copy of the catalog go.</summary>
internal sealed partial class MirrorIndexes
{
    /// <summary>
    /// Closes the database's index manager, deletes its index folder and its catalog copy, and forgets the catalog version
    /// it applied (a re-created database starts again at version 0). Returns the bytes of index files deleted.
    /// </summary>
    public async Task<long> DropAsync(string database, CancellationToken cancellationToken)
    {
        if (!Enabled) return 0;
        var db = Get(database);
        await db.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Task<IndexManager>? open;
            lock (db)
            {
                open = db.Manager;
                db.Manager = null;
            }
            if (open is not null)
            {
                try
                {
                    await (await open.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception) when (open.IsFaulted)
                {
                    // It never opened: nothing to close.
                }
            }
            db.Known = null;
            db.CheckedAt = default;
            long bytes = Mirror.DroppedFolder.Delete(Path.Combine(Root, database));
            // File.Delete throws when the _catalog folder was never made (no index was ever created on this mirror).
            string catalog = CatalogPath(database);
            if (File.Exists(catalog)) File.Delete(catalog);
            return bytes;
        }
        finally
        {
            db.Gate.Release();
        }
    }
}
