namespace MyNoSql.Grains.Attachments;

/// <summary>Dropping a database (<c>DELETE /db/{db}</c>): this silo's chunk store of it goes.</summary>
internal sealed partial class MirrorAttachments
{
    /// <summary>Closes the chunk store of <paramref name="database"/> and deletes its folder; returns the bytes deleted.</summary>
    public async Task<long> DropAsync(string database)
    {
        if (_stores.TryRemove(database, out var store) && store.IsValueCreated) await store.Value.DisposeAsync().ConfigureAwait(false);
        return Mirror.DroppedFolder.Delete(Path.Combine(Path.GetFullPath(options.Value.Directory), database));
    }
}
