namespace MyNoSql.Grains.Storage;

/// <summary>Dropping this silo's copy of a record that left its replica set (<c>--replicas N</c>, DESIGN §12).</summary>
internal sealed partial class MirrorStore
{
    /// <summary>
    /// Clears the record's key if its version is still <paramref name="version"/> (the copy the caller checked the
    /// holders against) and forgets it in <see cref="Index"/>; false when it changed meanwhile (kept).
    /// </summary>
    public async ValueTask<bool> DropCopyAsync(string database, string id, ulong version, CancellationToken cancellationToken = default)
    {
        var (written, _) = await _replica.WriteIfAsync(MirrorKeys.Record(database, id), null, version, cancellationToken).ConfigureAwait(false);
        if (written) Index.Forget(database, id);
        return written;
    }
}
