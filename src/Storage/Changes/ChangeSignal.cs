using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Changes;

/// <summary>
/// Wakes live change feeds when a replica store writes: take <see cref="Next"/> before looking for changes, then wait
/// on it; any durable write after it completes it. A signal, so waiting feeds cost nothing while nothing is written.
/// </summary>
internal sealed class ChangeSignal : IReplicaObserver
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next write after this call.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void OnWritten(in ReplicaWrite write) => Fire();

    /// <summary>Completes every waiter now (a write, or the store is closing).</summary>
    public void Fire() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
