namespace MyNoSql.Grains.Query;

/// <summary>Dropping a database (<c>DELETE /db/{db}</c>): the writes this gateway noted for it are forgotten.</summary>
internal sealed partial class AcknowledgedWrites
{
    /// <summary>Forgets every write noted for <paramref name="database"/>.</summary>
    public void Forget(string database) => _pending.TryRemove(database, out _);
}
