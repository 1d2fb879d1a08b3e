using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using MyNoSql.Silo.Configuration;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// Under localhost clustering the first mirror (the one every other names with <c>--primary</c>) holds the cluster's
/// membership table in its memory. When it is gone no other mirror can declare it dead or fail over the grains it
/// hosted, so retrying cannot help: a 503 should say so. This tells whether that holder is lost, as seen from here.
/// </summary>
internal sealed partial class MembershipHolder(IOptions<MirrorOptions> options, IClusterMembershipService membership, ILogger<MembershipHolder> logger)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);
    // 503s come in bursts: one probe a second answers them all.
    private static readonly TimeSpan ProbeReuse = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private Task<bool>? _probe;
    private long _probedAt;
    private bool _loggedLost;

    /// <summary>The <c>--primary</c> endpoint when this mirror depends on it for membership (localhost clustering), else null.</summary>
    public string? Primary
    {
        get
        {
            var o = options.Value;
            return o.Clustering == "localhost" && !string.IsNullOrWhiteSpace(o.Primary) ? o.Primary : null;
        }
    }

    /// <summary>The lost membership holder's endpoint: this mirror uses localhost clustering with a <c>--primary</c>,
    /// and that silo is declared dead here or refuses (or does not answer) a connection; null otherwise.</summary>
    public async Task<string?> LostAsync(CancellationToken cancellationToken)
    {
        string? primary = Primary;
        if (primary is null || !MirrorOptionsValidator.TryParseEndpoint(primary, out var endpoint)) return null;
        Task<bool> probe;
        lock (_gate)
        {
            if (_probe is null || Stopwatch.GetElapsedTime(_probedAt) > ProbeReuse)
            {
                _probe = IsLostAsync(endpoint);
                _probedAt = Stopwatch.GetTimestamp();
            }
            probe = _probe;
        }
        bool lost = await probe.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (lost && !_loggedLost)
        {
            _loggedLost = true;
            LogLost(logger, primary);
        }
        else if (!lost) _loggedLost = false;
        return lost ? primary : null;
    }

    private async Task<bool> IsLostAsync(IPEndPoint endpoint)
    {
        var members = membership.CurrentSnapshot.Members.Values.Where(m => m.SiloAddress.Endpoint.Equals(endpoint)).ToList();
        if (members.Count > 0 && members.All(m => m.Status == SiloStatus.Dead)) return true;
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(ProbeTimeout);
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
            return false;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return true;
        }
    }

    [LoggerMessage(EventId = 3260, Level = LogLevel.Warning, Message = "The first mirror {Primary}, which holds the cluster membership under localhost clustering, is unreachable: " +
        "grains it hosted cannot fail over until it is back; run the mirrors with --clustering adonet to survive its loss")]
    private static partial void LogLost(ILogger logger, string primary);
}
