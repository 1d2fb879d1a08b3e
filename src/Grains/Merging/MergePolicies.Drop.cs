namespace MyNoSql.Grains.Merging;

/// <summary>Dropping a database (<c>DELETE /db/{db}</c>): this silo forgets its merge policy (its durable copy is one of the
/// store keys the drop clears).</summary>
internal sealed partial class MergePolicies
{
    /// <summary>Forgets the cached and in-memory policy of <paramref name="database"/>.</summary>
    public void Forget(string database)
    {
        _cache.TryRemove(database, out _);
        _memory.TryRemove(database, out _);
    }
}
