namespace MyNoSql.Grains.Mirror;

/// <summary>
/// Calls every active silo at once, each call with its own time limit: how the cluster-wide settings of a database
/// (index catalog, merge policy) read the copies the silos keep and push a change to each. A silo that fails or does not
/// answer in time is reported to <c>failed</c> and skipped; only the caller's cancellation ends the whole call.
/// </summary>
internal static class SiloFanOut
{
    /// <summary>The silos that are active members now.</summary>
    public static IEnumerable<SiloAddress> Active(IClusterMembershipService membership) =>
        membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress);

    /// <summary>Every active silo's answer; default for a silo that failed or timed out.</summary>
    public static Task<T?[]> AskAsync<T>(IClusterMembershipService membership, Func<SiloAddress, Task<T>> ask, TimeSpan timeout,
        Action<Exception, SiloAddress> failed, CancellationToken cancellationToken) =>
        Task.WhenAll(Active(membership).Select(async silo =>
        {
            try
            {
                return (T?)await ask(silo).WaitAsync(timeout, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failed(e, silo);
                return default;
            }
        }));

    /// <summary>Tells every active silo; returns once each answered, failed or timed out.</summary>
    public static Task TellAsync(IClusterMembershipService membership, Func<SiloAddress, Task> tell, TimeSpan timeout,
        Action<Exception, SiloAddress> failed, CancellationToken cancellationToken) =>
        AskAsync(membership, async silo =>
        {
            await tell(silo);
            return true;
        }, timeout, failed, cancellationToken);
}
