namespace MyNoSql.Grains.Sync;

/// <summary>Settings of a <see cref="SyncService"/>.</summary>
internal sealed class SyncServiceOptions
{
    /// <summary>The mirrors' tombstone horizon, told to peers on every changes page.</summary>
    public long HorizonSeconds { get; init; }

    /// <summary>Backend calls in flight at once (segment reads, records of a push, reads of a fetch chunk); 1 runs them
    /// one after another in order (the deterministic simulation).</summary>
    public int Parallelism { get; init; } = 64;
}
