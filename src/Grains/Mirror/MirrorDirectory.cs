using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MyNoSql.Grains.Mirror;

/// <summary>
/// <see cref="IMirrorDirectory"/> from Orleans cluster membership: every active silo is asked once for its
/// advertised URL (cached by silo address, which includes the silo's generation).
/// </summary>
internal sealed partial class MirrorDirectory(IClusterMembershipService membership, IMirrorServiceClient mirrors, ILogger<MirrorDirectory> logger)
    : IMirrorDirectory
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);
    private readonly ConcurrentDictionary<SiloAddress, MirrorInfo> _known = new();

    public async Task<IReadOnlyList<string>> GetMirrorUrlsAsync(CancellationToken cancellationToken = default)
    {
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToList();
        foreach (var gone in _known.Keys.Except(active).ToList()) _known.TryRemove(gone, out _);
        var infos = await Task.WhenAll(active.Select(s => InfoAsync(s, cancellationToken))).ConfigureAwait(false);
        return [.. infos.OfType<MirrorInfo>().Select(i => i.Url).Where(u => u.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    private async Task<MirrorInfo?> InfoAsync(SiloAddress silo, CancellationToken cancellationToken)
    {
        if (_known.TryGetValue(silo, out var info)) return info;
        try
        {
            info = await mirrors.For(silo).GetInfo(cancellationToken).WaitAsync(AskTimeout, cancellationToken).ConfigureAwait(false);
            _known[silo] = info;
            return info;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogAskFailed(e, silo);
            return null;
        }
    }

    [LoggerMessage(EventId = 2030, Level = LogLevel.Warning, Message = "Mirror {Silo} did not tell its URL")]
    private partial void LogAskFailed(Exception error, SiloAddress silo);
}
