namespace MyNoSql.Grains.Sync;

/// <summary>How the sync service repeats a backend call that failed (e.g. while the cluster fails over a lost mirror).</summary>
internal interface ICallRetryPolicy
{
    /// <summary>Runs <paramref name="call"/> (its argument: true when an earlier attempt failed and may have been applied).</summary>
    Task<T> RunAsync<T>(Func<bool, Task<T>> call, CancellationToken cancellationToken);
}
