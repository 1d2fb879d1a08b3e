using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Mirror;
using MyNoSql.Grains.Storage;

namespace MyNoSql.Grains.Placement;

/// <summary>
/// One replication factor per cluster (DESIGN §12). Before this silo becomes active it asks every active mirror for its
/// <c>--replicas</c> (<see cref="IMirrorService.GetReplicas"/>; membership is the cluster's source of truth, read as the
/// merge policy and index catalog are, <see cref="SiloFanOut"/>) and refuses to start on a difference
/// (<see cref="ReplicaFactorMismatchException"/>): with two factors the mirrors disagree on every replica set, so the
/// joiner's anti-entropy keeps pushing copies the others keep dropping. A mirror whose <c>REPLICA-VIEW</c> names another
/// factor than it runs with now (a restart with a new value, the documented way to change it) says so in its log.
/// </summary>
internal sealed partial class ReplicaFactorCheck(
    IServiceProvider services,
    IMirrorServiceClient mirrors,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    IOptions<MirrorGrainOptions> options,
    ILogger<ReplicaFactorCheck> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>How long an active mirror is given to answer.</summary>
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    public void Participate(ISiloLifecycle lifecycle) =>
        // Grain services run from RuntimeGrainServices on; the silo is announced active at BecomeActive. Before the
        // exchange of drop markers (BecomeActive - 1), so a refused mirror changes nothing anywhere.
        lifecycle.Subscribe(nameof(ReplicaFactorCheck), ServiceLifecycleStage.BecomeActive - 2, CheckAsync);

    /// <summary>Throws <see cref="ReplicaFactorMismatchException"/> when an active mirror runs with another <c>--replicas</c>.</summary>
    internal async Task CheckAsync(CancellationToken cancellationToken)
    {
        int replicas = options.Value.Replicas;
        var others = SiloFanOut.Active(membership).Where(s => !s.Equals(silo.SiloAddress)).ToArray();
        var answers = await Task.WhenAll(others.Select(async other =>
        {
            try
            {
                return (other, (int?)await mirrors.For(other).GetReplicas(cancellationToken).WaitAsync(AskTimeout, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A mirror of an older version (no GetReplicas) or one that is gone but not yet declared dead.
                LogAskFailed(e, other);
                return (other, null);
            }
        })).ConfigureAwait(false);
        foreach (var (other, theirs) in answers)
        {
            if (theirs is { } cluster && cluster != replicas)
            {
                LogRefused(replicas, cluster, other);
                throw new ReplicaFactorMismatchException(replicas, cluster, other.ToString());
            }
        }
        await WarnIfChangedAsync(replicas, cancellationToken).ConfigureAwait(false);
    }

    private async Task WarnIfChangedAsync(int replicas, CancellationToken cancellationToken)
    {
        if (services.GetService<MirrorStoreHost>() is not { } host) return;
        var store = await host.Store.ConfigureAwait(false);
        var (mirrorsSettled, before) = await Rebalancer.ReadViewAsync(Path.Combine(store.Directory, Rebalancer.ViewFile), cancellationToken).ConfigureAwait(false);
        if (mirrorsSettled is not null && before > 0 && before != replicas) LogChanged(before, replicas);
    }

    [LoggerMessage(EventId = 3520, Level = LogLevel.Critical, Message = "This mirror runs with --replicas {Local}, the running cluster with {Cluster} (mirror {Silo}): refusing to join")]
    private partial void LogRefused(int local, int cluster, SiloAddress silo);

    [LoggerMessage(EventId = 3521, Level = LogLevel.Warning, Message = "Mirror {Silo} did not tell its --replicas; it is not compared with this mirror's")]
    private partial void LogAskFailed(Exception error, SiloAddress silo);

    [LoggerMessage(EventId = 3522, Level = LogLevel.Warning, Message = "This mirror last ran with --replicas {Before} and now runs with {Now}: the rebalancer moves copies to the new replica sets; every mirror of the cluster must run with {Now}")]
    private partial void LogChanged(int before, int now);
}
