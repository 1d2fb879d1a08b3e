namespace MyNoSql.Grains.Locks;

/// <summary>Persistent state of <see cref="LockGrain"/> with shared grain storage (ADO.NET): the lock's one copy.</summary>
[GenerateSerializer, Alias("mynosql.LockRecordState")]
internal sealed class LockRecordState
{
    /// <summary>The lock's state; null when never taken.</summary>
    [Id(0)]
    public LockRecord? Record { get; set; }
}
