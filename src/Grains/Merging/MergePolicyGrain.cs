using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Mirror;
using MyNoSql.Grains.Records;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Grains.Merging;

/// <summary>
/// <see cref="IMergePolicyGrain"/>, keyed by the database name. Its state is persisted with the mirror's grain storage;
/// with per-silo stores that is the store of the silo it activated on, so every change is also pushed to every active
/// silo, which keeps it on its own disk (<see cref="MergePolicies"/>), and an activation adopts the newest policy any
/// active silo holds (read repair). The newest stamp wins: a put older than the held policy changes nothing.
/// </summary>
[GrainType("mpol")]
internal sealed partial class MergePolicyGrain : Grain, IMergePolicyGrain
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan PushTimeout = TimeSpan.FromSeconds(10);
    private readonly IPersistentState<MergePolicyState> _state;
    private readonly IClusterMembershipService _membership;
    private readonly IMergePolicyServiceClient _silos;
    private readonly MergePolicies _local;
    private readonly HybridClock _clock;
    private readonly bool _perSilo;
    private readonly ILogger<MergePolicyGrain> _logger;
    private string _database = "";

    public MergePolicyGrain(IPersistentStateFactory states, IGrainContext context, IOptions<MirrorGrainOptions> options, IClusterMembershipService membership,
        IMergePolicyServiceClient silos, MergePolicies local, HybridClock clock, ILogger<MergePolicyGrain> logger)
    {
        _state = states.Create<MergePolicyState>(context, new StateConfiguration("mergepolicy", options.Value.StorageName));
        _membership = membership;
        _silos = silos;
        _local = local;
        _clock = clock;
        _perSilo = options.Value.Replicate;
        _logger = logger;
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _database = this.GetPrimaryKeyString();
        if (!DatabaseName.IsValid(_database)) throw new ArgumentException($"'{_database}' is not a valid database name.");
        _clock.Observe(_state.State.Stamp);
        if (!_perSilo) return; // shared storage: the persisted state is the one copy
        var known = await SiloFanOut.AskAsync(_membership, silo => _silos.For(silo).GetKnown(_database, cancellationToken), AskTimeout,
            (e, silo) => LogAskFailed(e, _database, silo), cancellationToken);
        var newest = known.OfType<MergePolicyInfo>().MaxBy(p => p.Stamp);
        if (newest is not null && newest.Stamp > _state.State.Stamp)
        {
            LogRepaired(_database, _state.State.Stamp, newest.Stamp);
            _clock.Observe(newest.Stamp);
            _state.State = MergePolicyState.Of(newest);
            await _state.WriteStateAsync(cancellationToken);
        }
    }

    public Task<MergePolicyInfo> Get(CancellationToken cancellationToken = default) => Task.FromResult(_state.State.ToInfo());

    public async Task<MergePolicyInfo> Put(MergePolicyInfo policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!StampBounds.IsAcceptable(policy.Stamp))
            throw new ArgumentException($"Stamp {policy.Stamp} is negative or more than {StampBounds.MaxAcceptedDrift.TotalDays} days ahead of this mirror's time.", nameof(policy));
        // Validates every strategy name (ArgumentException) before anything is stored.
        var parsed = MergePolicyInfos.ToPolicy(policy);
        // Unstamped (an administrator's put): newer than anything held, even a stamp from a device whose clock runs ahead.
        long stamp = policy.Stamp == 0 ? Math.Max(_clock.Next(), _state.State.Stamp + 1) : policy.Stamp;
        _clock.Observe(stamp);
        if (stamp <= _state.State.Stamp) return _state.State.ToInfo();
        var next = MergePolicyInfos.FromPolicy(parsed, stamp);
        var previous = _state.State;
        _state.State = MergePolicyState.Of(next);
        try
        {
            await _state.WriteStateAsync(cancellationToken);
        }
        catch
        {
            _state.State = previous;
            throw;
        }
        LogChanged(_database, parsed.ToString(), stamp);
        await PushAsync(next, cancellationToken);
        return next;
    }

    private async Task PushAsync(MergePolicyInfo policy, CancellationToken cancellationToken)
    {
        if (!_perSilo)
        {
            await _local.ApplyAsync(_database, policy, cancellationToken);
            return;
        }
        // A silo that misses it: its record grains ask again once their cached policy is older than MergePolicies.CacheTime.
        await SiloFanOut.TellAsync(_membership, silo => _silos.For(silo).Apply(_database, policy, CancellationToken.None), PushTimeout,
            (e, silo) => LogPushFailed(e, _database, silo, policy.Stamp), cancellationToken);
    }

    [LoggerMessage(EventId = 2810, Level = LogLevel.Information, Message = "Database '{Database}': merge policy set to {Policy} (stamp {Stamp})")]
    private partial void LogChanged(string database, string policy, long stamp);

    [LoggerMessage(EventId = 2811, Level = LogLevel.Warning, Message = "Database '{Database}': mirror {Silo} did not take merge policy stamp {Stamp} in time")]
    private partial void LogPushFailed(Exception error, string database, SiloAddress silo, long stamp);

    [LoggerMessage(EventId = 2812, Level = LogLevel.Information, Message = "Database '{Database}': merge policy repaired from stamp {Stored} to {Newest} held by a mirror")]
    private partial void LogRepaired(string database, long stored, long newest);

    [LoggerMessage(EventId = 2813, Level = LogLevel.Warning, Message = "Database '{Database}': mirror {Silo} did not tell which merge policy it holds")]
    private partial void LogAskFailed(Exception error, string database, SiloAddress silo);
}
