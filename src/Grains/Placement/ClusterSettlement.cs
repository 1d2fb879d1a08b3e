using Microsoft.Extensions.Logging;
using MyNoSql.Grains.Mirror;

namespace MyNoSql.Grains.Placement;

/// <summary>
/// Whether the whole cluster has settled the current replica view (<c>--replicas N</c>): asked by the
/// <see cref="Rebalancer"/> once a second after this silo settled it, until every other active mirror reports the same
/// view settled (<see cref="IMirrorService.GetSettledView"/>), then recorded in <see cref="ReplicaSets.MarkStable"/>.
/// Until then a new holder of a record may not have received it yet, so record grains read every mirror, not a read
/// quorum of the holders (as Cassandra keeps reading the old owners of a range until its new owner finished streaming).
/// </summary>
internal sealed partial class ClusterSettlement(ReplicaSets sets, IMirrorServiceClient mirrors, ILogger<ClusterSettlement> logger)
{
    /// <summary>Asks the other mirrors of <paramref name="view"/> (whose sorted identities are <paramref name="names"/>)
    /// unless the view is already known stable; marks it stable when every one settled it.</summary>
    public async Task CheckAsync(ReplicaView view, string[] names, CancellationToken cancellationToken)
    {
        if (sets.IsStableVersion(view.Version)) return;
        foreach (var silo in view.Silos)
        {
            if (silo.Equals(sets.Local)) continue;
            SettledView theirs;
            try
            {
                theirs = await mirrors.For(silo).GetSettledView(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogAskFailed(e, silo);
                return;
            }
            if (theirs.Replicas != sets.Replicas || theirs.Mirrors is null || !theirs.Mirrors.SequenceEqual(names, StringComparer.Ordinal)) return;
        }
        sets.MarkStable(view.Version);
        LogStable(view.Count, sets.Replicas);
    }

    [LoggerMessage(EventId = 3505, Level = LogLevel.Information, Message = "Every one of the {Mirrors} mirrors settled the current view ({Replicas} replicas per record): record grains read a read quorum of the holders again")]
    private partial void LogStable(int mirrors, int replicas);

    [LoggerMessage(EventId = 3506, Level = LogLevel.Debug, Message = "Asking {Silo} for its settled replica view failed; asked again next second")]
    private partial void LogAskFailed(Exception error, SiloAddress silo);
}
